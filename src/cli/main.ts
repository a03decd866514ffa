import { Command, CommanderError, Option } from "commander";
import { loadCatalogue } from "../catalogue/load.js";
import { DataFileError } from "../data/load-yaml.js";
import { slackEnv } from "../slack/env.js";
import { createLogger } from "../log.js";
import { redactText } from "../redact.js";
import { renderCauses } from "./causes.js";
import { checkFlows, describeFlow, printFlowSchema } from "./flows.js";
import { allowEntry, collect, httpUrl, loginSpec, redisUrl, seconds, UsageError, urlPath } from "./usage.js";

const DEFAULT_FLOW = "session-replication";

function diagnoseCommand(cmd: Command): Command {
  return cmd
    .option("--url <url>", "the app's public URL, through the load balancer", httpUrl("--url"))
    .option("--node <url>", "a backend node's direct URL (repeatable)", collect(httpUrl("--node")))
    .option(
      "--redis <url>",
      "the session store: redis://[user:pass@]host:port[/db], rediss://, redis+sentinel://, redis+cluster://",
      redisUrl,
    )
    .option(
      "--session-prefix <prefix>",
      "the Redis key prefix of sessions, when not a known layout (e.g. ASP.NET Core's InstanceName)",
    )
    .option(
      "--session-path <path>",
      "GET path that creates a session and sets the session cookie",
      urlPath("--session-path"),
    )
    .option("--check-path <path>", "GET path that answers differently with a valid session", urlPath("--check-path"))
    .option("--health-path <path>", "the nodes' health check path", urlPath("--health-path"))
    .option(
      "--login <spec>",
      "a login request instead of --session-path: 'POST /login user=${USER_VAR} password=${PASS_VAR}' (values from the environment)",
      loginSpec,
    )
    .option("--session-cookie <name>", "the session cookie's name, when not a well-known one")
    .option("--backend-header <name>", "a response header naming the backend that answered (e.g. X-Served-By)")
    .option(
      "--allow <entry>",
      "a host, CIDR or URL prefix HTTP probes may reach (repeatable; default: the hosts of --url and --node)",
      collect(allowEntry),
    )
    .option("--evidence <file>", "a log or stack trace to match against known errors (repeatable)", collect(String))
    .option(
      "--answer <id=value>",
      "answer a question up front; see `sessiondoc flows show` (repeatable)",
      collect(String),
    )
    .option("--flow <id>", "the flow to walk", DEFAULT_FLOW)
    .option("--probe-timeout <seconds>", "time limit for each probe (default 20)", seconds("--probe-timeout", 0.1, 600))
    .option(
      "--timeout <seconds>",
      "time limit for all the probes together (default 300 without a terminal)",
      seconds("--timeout", 1, 3600),
    )
    .option(
      "--health-window <seconds>",
      "how long to watch the nodes' health checks (default 10; under 5 s a clean window does not rule flapping out)",
      seconds("--health-window", 1, 600),
    )
    .option("--signed-in-text <text>", "text only a signed-in answer of the check path contains")
    .option(
      "--realtime-path <path>",
      "where the app serves socket.io (engine.io); default /socket.io/, probed only when it answers a handshake",
      urlPath("--realtime-path"),
    )
    .option("--non-interactive", "never prompt: unanswered questions count as unknown")
    .option("--json", "print the report as one JSON document")
    .action(async (opts) => {
      const log = createLogger({ level: process.env.LOG_LEVEL ?? "warn" });
      // The probes (and their HTTP and Redis clients) load only for a diagnosis.
      const [{ diagnose }, { loadDefinitions }] = await Promise.all([
        import("./diagnose.js"),
        import("../engine/definitions.js"),
      ]);
      await diagnose(opts, loadDefinitions(), log);
    });
}

export function buildProgram(): Command {
  const program = new Command("sessiondoc")
    .description("Diagnose web-session replication problems: lost logins, vanishing carts, CSRF errors")
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str.split("\n")[0]!.trim() + "\n") });

  diagnoseCommand(
    program.command("diagnose", { isDefault: true }).description("walk the diagnosis (the default command)"),
  );

  const flows = program.command("flows").description("work with flow files");
  flows
    .command("check [files...]")
    .description("validate flow files (default: every file in flows/)")
    .action((files: string[]) => checkFlows(files));
  flows.command("schema").description("print the JSON Schema of flow files").action(printFlowSchema);
  flows
    .command("show [id]")
    .description("list a flow's questions and the values --answer accepts")
    .action(async (id: string | undefined) => {
      const { loadDefinitions } = await import("../engine/definitions.js");
      const defs = loadDefinitions();
      const loaded = defs.flows.get(id ?? DEFAULT_FLOW);
      if (!loaded) throw new UsageError(`no flow "${id}" (flows: ${[...defs.flows.keys()].join(", ")})`);
      process.stdout.write(`${describeFlow(loaded.flow)}\n`);
    });

  program
    .command("slack")
    .description("start the Slack app (SLACK_BOT_TOKEN with SLACK_SIGNING_SECRET, or SLACK_APP_TOKEN for Socket Mode)")
    .action(startSlack);

  program
    .command("causes")
    .description("list the cause catalogue")
    .addOption(new Option("--json", "as JSON"))
    .action((opts: { json?: boolean }) => {
      process.stdout.write(`${renderCauses(loadCatalogue(), Boolean(opts.json))}\n`);
    });
  return program;
}

/** The Slack app when its credentials are set; says exactly what is missing when they are not. */
async function startSlack(): Promise<void> {
  const { settings, missing } = slackEnv(process.env);
  if (!settings) throw new UsageError(`the Slack app needs ${missing.join(" and ")}; see README: The Slack app`);
  const log = createLogger({ level: process.env.LOG_LEVEL ?? "info" });
  const { startSlackApp } = await import("../slack/app.js");
  const running = await startSlackApp(settings, log);
  // The app runs until it is told to stop, and then the command is over.
  await new Promise<void>((resolve) => {
    const stop = () => void running.stop().finally(resolve);
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
}

/** Runs one command and returns its exit code; a long-running command (the Slack app) returns once stopped. */
export async function main(argv: string[]): Promise<number> {
  try {
    // The main command: the Slack app once it is configured, the terminal diagnosis until then.
    if (argv.length <= 2 && slackEnv(process.env).wanted) {
      await startSlack();
      return 0;
    }
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are not errors; everything else commander rejects is a usage error (already printed).
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof UsageError || (err as { code?: string }).code === "commander.invalidArgument") {
      process.stderr.write(`sessiondoc: ${err instanceof Error ? err.message : String(err)}\n`);
      return 2;
    }
    if (err instanceof DataFileError) {
      process.stderr.write(`sessiondoc: invalid definitions\n${err.message}\n`);
      return 1;
    }
    if (err instanceof Error && err.name === "ExitPromptError") {
      process.stderr.write("sessiondoc: interrupted\n");
      return 130;
    }
    process.stderr.write(`sessiondoc: ${redactText(err instanceof Error ? err.message : String(err))}\n`);
    if (process.env.LOG_LEVEL === "debug" && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}
