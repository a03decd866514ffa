import { readFileSync } from "node:fs";
import { Command, CommanderError, Option } from "commander";
import { loadCatalogue } from "../catalogue/load.js";
import { DataFileError } from "../data/load-yaml.js";
import { createLogger } from "../log.js";
import { redactText } from "../redact.js";
import { renderCauses } from "./causes.js";
import { checkFlows, printFlowSchema, showFlow } from "./flows.js";
import {
  allowEntry,
  closest,
  collect,
  positiveInt,
  wholeNumber,
  httpUrl,
  loginSpec,
  redisUrl,
  seconds,
  UsageError,
  urlPath,
} from "./usage.js";

const DEFAULT_FLOW = "session-replication";
const VERSION = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version;

const HELP_AFTER = `
Examples:
  npx sessiondoc                                    ask what users see, then what would tell causes apart
  npx sessiondoc diagnose --url https://shop.example.com/ --node http://10.0.0.11:8080/ \\
      --node http://10.0.0.12:8080/ --redis redis://10.0.0.20:6379 \\
      --session-path /login --check-path /account    probe the balancer, the nodes and the store
  npx sessiondoc diagnose --evidence app.log --answer symptom=random-logout
  npx sessiondoc diagnose --non-interactive --json | jq .verdict
  npx sessiondoc causes key-mismatch                what it is, and its fixes

Environment:
  LOG_LEVEL            log level on stderr (default warn)
  SESSIONDOC_CONFIG    the configuration file (default ./sessiondoc.yaml): targets for Slack
  SLACK_BOT_TOKEN with SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode), PORT, REDIS_URL
                       the Slack app: \`sessiondoc slack\`, or \`sessiondoc\` alone once all are set
  SESSIONDOC_WORKER_CONCURRENCY
                       diagnosis steps one Slack app or worker process takes at once
  NO_COLOR, COLUMNS    plain text; the width reports wrap to`;

const DRY_RUN_HELP = "list the HTTP requests and Redis commands each probe would send, and send nothing";

/** The exit code a command sets, when it is not 0. */
const exit = { code: 0 };

type Mode = "diagnose" | "check" | "watch";

function diagnoseCommand(cmd: Command, args: readonly string[], mode: Mode = "diagnose"): Command {
  return cmd
    .option(
      "--target <name>",
      "a target of sessiondoc.yaml (SESSIONDOC_CONFIG), as the Slack app uses it; flags given override its settings",
    )
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
    .addOption(
      new Option("--output <format>", "text (default), json, or markdown: the incident summary to paste").choices([
        "text",
        "json",
        "markdown",
      ]),
    )
    .addHelpText("after", HELP_AFTER)
    .action(async (opts) => {
      const log = createLogger({ level: process.env.LOG_LEVEL ?? "warn" });
      // The probes (and their HTTP and Redis clients) load only for a diagnosis.
      const [{ diagnose }, { loadDefinitions }] = await Promise.all([
        import("./diagnose.js"),
        import("../engine/definitions.js"),
      ]);
      if (mode === "watch") {
        const { watch } = await import("./watch.js");
        exit.code = await watch({ ...opts, args: [...args] }, loadDefinitions(), log);
      } else exit.code = await diagnose({ ...opts, gate: mode === "check", args: [...args] }, loadDefinitions(), log);
    });
}

/** `--repeat` and its `--interval`, for diagnose and check: a fault that comes and goes needs more than one look. */
function withRepeat(cmd: Command): Command {
  return cmd
    .option(
      "--repeat <n>",
      "run each probe in n rounds (up to 20) and weigh what they saw together; a finding of one round alone is not weighed",
      wholeNumber("--repeat", 1, 20),
    )
    .option(
      "--interval <seconds>",
      "seconds between a probe's rounds with --repeat (default 10)",
      seconds("--interval", 0.1, 3600),
    );
}

/** Starting the Slack app, handed in by the program's entry: one door does not import the other. */
export type SlackDoor = {
  configured: boolean;
  /** The app; `worker: false` listens only, leaving diagnosis steps to worker processes. */
  start: (opts?: { worker: boolean }) => Promise<void>;
  /** A process that runs diagnosis steps only. */
  worker: () => Promise<void>;
};

/** `args`: the words after the program name, for the command that runs a diagnosis again. */
export function buildProgram(slack: SlackDoor, args: readonly string[] = []): Command {
  const program = new Command("sessiondoc")
    .description("Diagnose web-session replication problems: lost logins, vanishing carts, CSRF errors")
    .version(VERSION, "-V, --version")
    .showHelpAfterError(false)
    .exitOverride()
    // Commander's error and its "(Did you mean …?)" as one line.
    .configureOutput({
      outputError: (str, write) =>
        write(
          `${str
            .trim()
            .split(/\s*\n\s*/)
            .join(" ")}\n`,
        ),
    })
    .addHelpText("after", HELP_AFTER);

  diagnoseCommand(
    withRepeat(
      program
        .command("diagnose", { isDefault: true })
        .description("walk the diagnosis (the default command)")
        .option("--dry-run", DRY_RUN_HELP),
    ),
    args,
  );
  diagnoseCommand(
    withRepeat(
      program
        .command("check")
        .option("--dry-run", DRY_RUN_HELP)
        .description(
          "a deploy gate: probe without questions, print one line; exit 0 no fault found, 3 a cause found, 4 targets could not be probed, 5 inconclusive",
        ),
    ),
    args,
    "check",
  );
  diagnoseCommand(
    program
      .command("watch")
      .description(
        "repeat the cheap probes (continuity through the balancer, the store's counters), a line per round; a full diagnosis when something gets worse",
      )
      .option("--interval <seconds>", "seconds between rounds (default 60)", seconds("--interval", 1, 86_400), 60)
      .option("--rounds <n>", "stop after this many rounds (exit 3 if the last saw a fault)", positiveInt("--rounds")),
    args,
    "watch",
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
    .addOption(
      new Option("--json", "as one JSON document: nodes, questions (choices, preconditions, pools), conclusions"),
    )
    .action(async (id: string | undefined, opts: { json?: boolean }) => {
      const { loadDefinitions } = await import("../engine/definitions.js");
      const defs = loadDefinitions();
      const loaded = defs.flows.get(id ?? DEFAULT_FLOW);
      if (!loaded) throw new UsageError(`no flow "${id}" (flows: ${[...defs.flows.keys()].join(", ")})`);
      process.stdout.write(`${showFlow(loaded, Boolean(opts.json))}\n`);
    });

  program
    .command("slack")
    .description("start the Slack app (SLACK_BOT_TOKEN with SLACK_SIGNING_SECRET, or SLACK_APP_TOKEN for Socket Mode)")
    .option(
      "--no-worker",
      "only listen: acknowledge and queue diagnosis steps for `sessiondoc worker` (needs REDIS_URL)",
    )
    .action((opts: { worker: boolean }) => slack.start({ worker: opts.worker }));

  program
    .command("worker")
    .description("run the Slack app's diagnosis steps from the queue in REDIS_URL, posting with SLACK_BOT_TOKEN")
    .action(() => slack.worker());

  program
    .command("causes [id]")
    .description("list the cause catalogue, or show one cause with its fixes")
    .addOption(new Option("--json", "as JSON"))
    .action((id: string | undefined, opts: { json?: boolean }) => {
      process.stdout.write(`${renderCauses(loadCatalogue(), Boolean(opts.json), id)}\n`);
    });
  return program;
}

/** Runs one terminal command and returns its exit code; the Slack app returns once stopped. */
export async function runCli(argv: string[], slack: SlackDoor): Promise<number> {
  try {
    // The main command: the Slack app once it is configured, the terminal diagnosis until then.
    if (argv.length <= 2 && slack.configured) {
      await slack.start();
      return 0;
    }
    const program = buildProgram(slack, argv.slice(2));
    // The default command takes no words: a word that is no command is a mistyped one, not an argument.
    const first = argv[2];
    const commands = [...program.commands.map((c) => c.name()), "help"];
    if (first && !first.startsWith("-") && !commands.includes(first)) {
      const guess = closest(first, commands);
      throw new UsageError(
        `unknown command "${first}"${guess ? ` (did you mean ${guess}?)` : ""}; commands: ${commands.join(", ")}`,
      );
    }
    exit.code = 0;
    await program.parseAsync(argv);
    return exit.code;
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
