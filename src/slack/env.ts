// Kept apart from app.ts so the CLI can tell whether Slack is configured without loading Bolt.

export type SlackEnv = {
  botToken: string;
  signingSecret?: string;
  appToken?: string;
  port: number;
  apiUrl?: string;
  redisUrl?: string;
  /** Diagnosis steps one process takes at once (SESSIONDOC_WORKER_CONCURRENCY); unset, twice `limits.slots`. */
  concurrency?: number;
};

/** A process that only runs diagnosis steps: it posts to Slack but takes no requests from it. */
export type WorkerEnv = {
  botToken: string;
  redisUrl: string;
  apiUrl?: string;
  /** Where it serves /healthz and /metrics, when PORT is set. */
  port?: number;
  concurrency?: number;
};

const CONCURRENCY_MAX = 1000;

function portOf(env: NodeJS.ProcessEnv, fallback?: number): { port?: number; problem: string[] } {
  const port = env.PORT === undefined ? fallback : Number(env.PORT);
  const ok = port === undefined || (Number.isInteger(port) && port >= 0 && port <= 65535);
  return { port, problem: ok ? [] : [`PORT as a port number (0–65535), not "${env.PORT}"`] };
}

function concurrencyOf(env: NodeJS.ProcessEnv): { concurrency?: number; problem: string[] } {
  const raw = env.SESSIONDOC_WORKER_CONCURRENCY;
  if (raw === undefined || raw === "") return { problem: [] };
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 && n <= CONCURRENCY_MAX
    ? { concurrency: n, problem: [] }
    : { problem: [`SESSIONDOC_WORKER_CONCURRENCY as a whole number from 1 to ${CONCURRENCY_MAX}, not "${raw}"`] };
}

/** The port and worker concurrency both processes read, with what is wrong with them. */
function shared(env: NodeJS.ProcessEnv, defaultPort?: number) {
  const { port, problem: badPort } = portOf(env, defaultPort);
  const { concurrency, problem: badConcurrency } = concurrencyOf(env);
  return { port, concurrency, problems: [...badPort, ...badConcurrency] };
}

/** Settings only when nothing is missing: a process never starts half-configured. */
function unlessMissing<T>(missing: string[], settings: () => T): { settings?: T; missing: string[] } {
  return missing.length ? { missing } : { missing, settings: settings() };
}

/** What is needed to start, read from the conventional variables; `missing` says what to set. */
export function slackEnv(env: NodeJS.ProcessEnv): { settings?: SlackEnv; missing: string[] } {
  const { port, concurrency, problems } = shared(env, 3000);
  const missing = [
    ...(env.SLACK_BOT_TOKEN ? [] : ["SLACK_BOT_TOKEN (the bot token, xoxb-…)"]),
    ...(env.SLACK_SIGNING_SECRET || env.SLACK_APP_TOKEN
      ? []
      : ["SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode, xapp-…)"]),
    ...problems,
  ];
  return unlessMissing(missing, () => ({
    botToken: env.SLACK_BOT_TOKEN!,
    signingSecret: env.SLACK_SIGNING_SECRET,
    appToken: env.SLACK_APP_TOKEN,
    port: port!,
    apiUrl: env.SLACK_API_URL,
    redisUrl: env.REDIS_URL,
    concurrency,
  }));
}

/** What `sessiondoc worker` needs: the bot token to post results, and the Redis its jobs are queued in. */
export function workerEnv(env: NodeJS.ProcessEnv): { settings?: WorkerEnv; missing: string[] } {
  const { port, concurrency, problems } = shared(env);
  const missing = [
    ...(env.SLACK_BOT_TOKEN ? [] : ["SLACK_BOT_TOKEN (the bot token, xoxb-…, to post results)"]),
    ...(env.REDIS_URL ? [] : ["REDIS_URL (the Redis the Slack app queues diagnosis steps in)"]),
    ...problems,
  ];
  return unlessMissing(missing, () => ({
    botToken: env.SLACK_BOT_TOKEN!,
    redisUrl: env.REDIS_URL!,
    apiUrl: env.SLACK_API_URL,
    port,
    concurrency,
  }));
}
