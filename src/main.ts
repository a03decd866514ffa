// The program's entry: the terminal commands, and the Slack app they start. The doors never import each other, so
// the entry hands the CLI the way to start the Slack app.
import { runCli } from "./cli/main.js";
import { UsageError } from "./cli/usage.js";
import { createLogger } from "./log.js";
import { slackEnv } from "./slack/env.js";

/** Runs one command and returns its exit code; a long-running command (the Slack app) returns once stopped. */
export function main(argv: string[]): Promise<number> {
  // Only complete credentials start it: a bot token alone in an SRE's shell must not take the terminal away.
  return runCli(argv, { configured: slackEnv(process.env).settings !== undefined, start: startSlack });
}

/** The Slack app when its credentials are set; says exactly what is missing when they are not. */
async function startSlack(): Promise<void> {
  const { settings, missing } = slackEnv(process.env);
  if (!settings) throw new UsageError(`the Slack app needs ${missing.join(" and ")}; see README: The Slack app`);
  const log = createLogger({ level: process.env.LOG_LEVEL ?? "info" });
  const { startSlackApp } = await import("./slack/app.js");
  const running = await startSlackApp(settings, log);
  // The app runs until it is told to stop, and then the command is over.
  await new Promise<void>((resolve) => {
    const stop = () => void running.stop().finally(resolve);
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
}
