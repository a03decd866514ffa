// The program's entry: the terminal commands, and the Slack app they start. The doors never import each other, so
// the entry hands the CLI the way to start the Slack app.
import { runCli } from "./cli/main.js";
import { UsageError } from "./cli/usage.js";
import { createLogger } from "./log.js";
import { slackEnv, workerEnv } from "./slack/env.js";

/** Runs one command and returns its exit code; a long-running command (the Slack app) returns once stopped. */
export function main(argv: string[]): Promise<number> {
  // Only complete credentials start it: a bot token alone in an SRE's shell must not take the terminal away.
  return runCli(argv, {
    configured: slackEnv(process.env).settings !== undefined,
    start: startSlack,
    worker: startWorker,
  });
}

/** The Slack app when its credentials are set; says exactly what is missing when they are not. */
async function startSlack(opts: { worker: boolean } = { worker: true }): Promise<void> {
  const { settings, missing } = slackEnv(process.env);
  if (!settings) throw new UsageError(`the Slack app needs ${missing.join(" and ")}; see README: The Slack app`);
  if (!opts.worker && !settings.redisUrl)
    throw new UsageError(
      "--no-worker needs REDIS_URL: diagnosis steps are queued there for `sessiondoc worker` processes; see README: The Slack app",
    );
  const log = createLogger({ level: process.env.LOG_LEVEL ?? "info" });
  const { startSlackApp } = await import("./slack/app.js");
  await untilStopped(await startSlackApp(settings, log, process.env, opts));
}

/** A process that runs diagnosis steps only; says exactly what is missing when it cannot. */
async function startWorker(): Promise<void> {
  const { settings, missing } = workerEnv(process.env);
  if (!settings) throw new UsageError(`the worker needs ${missing.join(" and ")}; see README: The Slack app`);
  const log = createLogger({ level: process.env.LOG_LEVEL ?? "info" });
  const { startSlackWorker } = await import("./slack/app.js");
  await untilStopped(await startSlackWorker(settings, log));
}

/** It runs until it is told to stop, and then the command is over. */
function untilStopped(running: { stop(): Promise<void> }): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => void running.stop().finally(resolve);
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
}
