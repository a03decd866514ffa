import { App, HTTPReceiver, LogLevel, SocketModeReceiver, type Logger as BoltLogger } from "@slack/bolt";
import { WebClient, type WebClientOptions } from "@slack/web-api";
import { createServer, type Server } from "node:http";
import { loadConfig } from "../config/load.js";
import { loadDefinitions } from "../engine/definitions.js";
import { createEngine } from "../engine/engine.js";
import { openJobs } from "../jobs/index.js";
import type { Logger } from "../log.js";
import { redactText } from "../redact.js";
import { MemoryStore } from "../store/memory.js";
import { RedisStore } from "../store/redis.js";
import type { DiagnosisStore } from "../store/types.js";
import { access } from "./access.js";
import { slackDiagnoses, Work } from "./diagnoses.js";
import type { SlackEnv, WorkerEnv } from "./env.js";
import { boundedServer, frontDoor } from "./front-door.js";
import { registerListeners } from "./listeners/index.js";
import { reportingErrors, tellEphemeral, type ListenerDeps } from "./listeners/context.js";
import { createMetrics } from "./metrics.js";
import { opsRoutes } from "./ops-routes.js";
import { slackCalls } from "./slack-calls.js";
import { createSlots } from "./slots.js";
import { MemoryWatchStore, RedisWatchStore } from "./watch/store.js";
import { RoundJob, slackWatches } from "./watch/watches.js";

/** Bolt's and the Web API client's messages, redacted: at debug level they carry request bodies. */
function boltLogger(log: Logger): BoltLogger {
  let level = LogLevel.WARN;
  const text = (m: unknown[]) => redactText(m.map((x) => (typeof x === "string" ? x : JSON.stringify(x))).join(" "));
  return {
    debug: (...m) => log.debug(text(m)),
    info: (...m) => log.info(text(m)),
    warn: (...m) => log.warn(text(m)),
    error: (...m) => log.error(text(m)),
    setLevel: (l) => (level = l),
    getLevel: () => level,
    setName: () => {},
  };
}

/**
 * What the listener and the workers share: the configuration, the store (Redis when REDIS_URL is set, so replicas
 * share diagnoses), the engine, calls to Slack, and the queue of diagnosis steps (in Redis too, so any worker runs
 * any step; otherwise in this process).
 */
async function slackCore(settings: { redisUrl?: string; concurrency?: number }, log: Logger, env: NodeJS.ProcessEnv) {
  const { config } = loadConfig(env);
  const { limits } = config;
  const defs = loadDefinitions();
  const ttlSeconds = Math.round(config.retentionDays * 86400);
  const store: DiagnosisStore = settings.redisUrl
    ? new RedisStore({ url: settings.redisUrl, ttlSeconds })
    : new MemoryStore({ ttlSeconds });
  // Fail at start, with where and why, rather than on the first click.
  await store.recent(1).catch(async (err: unknown) => {
    await store.close();
    throw err;
  });
  const jobs = openJobs({ redisUrl: settings.redisUrl, log });
  const steps = jobs.queue("steps", Work);
  const rounds = jobs.queue("watch-rounds", RoundJob);
  const metrics = createMetrics();
  const engine = createEngine({ ...defs, store, log, probeTimeoutMs: limits.probeTimeoutSeconds * 1000 });
  const calls = slackCalls({ timeoutMs: limits.slackTimeoutSeconds * 1000, log });
  // What the diagnoses and the watches both use.
  const shared = { store, config, defs, log, metrics, calls, access: access({ config, calls }) };
  const diagnoses = slackDiagnoses({ ...shared, engine, slots: createSlots(limits), steps });
  const deps: Omit<ListenerDeps, "watches"> = { diagnoses, store, config, log, metrics, calls };
  // Each call gives up within the Slack time limit; errors are retried twice, quickly; a 429 comes back at once
  // (with its Retry-After) instead of pausing every call of the client for minutes.
  const clientOptions: WebClientOptions = {
    timeout: limits.slackTimeoutSeconds * 1000,
    retryConfig: { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 1000 },
    rejectRateLimitedCalls: true,
  };
  return {
    deps,
    clientOptions,
    /** Watches, posting with `client`: any process may change them; one that works the queue runs their rounds. */
    watchesFor: (client: WebClient) =>
      slackWatches({
        ...shared,
        watches: settings.redisUrl ? new RedisWatchStore(settings.redisUrl) : new MemoryWatchStore(),
        client,
        rounds,
      }),
    /**
     * Runs steps in this process. More are taken than `limits.slots` lets run, so a step over its person's or
     * target's share waits here without holding back other people's.
     */
    work: (client: WebClient) =>
      steps.work(
        ({ data, ...job }) =>
          reportingErrors(
            deps,
            async (text) => tellEphemeral(deps, client, { user: data.user, ...(await diagnoses.threadOf(data)) })(text),
            data.user,
            () => diagnoses.run(client, { data, ...job }),
          ),
        {
          concurrency: settings.concurrency ?? 2 * limits.slots,
          onAbandoned: (w) => diagnoses.abandoned(client, w),
        },
      ),
    /** Lets running steps finish, then closes the queue and the store. */
    async close() {
      await jobs.close();
      await store.close();
    },
  };
}

/** Checked at start: a Slack that cannot be reached is a clear startup error, not a crash later. */
function tokenRefused(err: unknown, apiUrl: string | undefined): Error {
  return new Error(
    `Slack's Web API did not confirm the bot token (${(err as Error).message}): check SLACK_BOT_TOKEN and that ${apiUrl ?? "https://slack.com/api/"} can be reached`,
    { cause: err },
  );
}

/**
 * The Slack app: the real Bolt app over HTTP (`/slack/events` behind the front door, `/healthz`, `/metrics`) or
 * Socket Mode, with the engine, a store and the configuration. With `worker: false` it only listens: it acks and
 * queues diagnosis steps for `sessiondoc worker` processes to run.
 */
export async function startSlackApp(
  settings: SlackEnv,
  log: Logger,
  env: NodeJS.ProcessEnv = process.env,
  opts: { worker?: boolean } = {},
): Promise<{ app: App; server?: Server; stop(): Promise<void> }> {
  const core = await slackCore(settings, log, env);
  const { deps } = core;
  const { config, store, metrics } = deps;
  const clientOptions: WebClientOptions = {
    ...core.clientOptions,
    ...(settings.apiUrl ? { slackApiUrl: settings.apiUrl } : {}),
  };
  const socketMode = Boolean(settings.appToken && !settings.signingSecret);
  // Socket Mode: Slack's requests come over the socket; /healthz and /metrics are still served on PORT.
  let connected = false;
  const socket = socketMode
    ? new SocketModeReceiver({
        appToken: settings.appToken!,
        logger: boltLogger(log),
        customRoutes: opsRoutes(metrics, () => connected),
        installerOptions: {
          port: settings.port,
          ...(settings.apiUrl ? { clientOptions: { slackApiUrl: settings.apiUrl } } : {}),
        },
      })
    : undefined;
  socket?.client.on("connected", () => (connected = true));
  // "close" as soon as the socket drops: the client says "reconnecting" only when it tries again, seconds later.
  for (const state of ["close", "reconnecting", "disconnected"]) socket?.client.on(state, () => (connected = false));
  const receiver = socketMode
    ? undefined
    : new HTTPReceiver({
        signingSecret: settings.signingSecret!,
        logger: boltLogger(log),
        customRoutes: opsRoutes(metrics),
        // A listener that fails before acknowledging was given something it could not use.
        processEventErrorHandler: async ({ error, response }) => {
          log.warn({ err: redactText(error.message) }, "request not handled");
          if (!response.headersSent) response.writeHead(400).end();
          return false;
        },
      });
  const app = new App({
    token: settings.botToken,
    receiver: receiver ?? socket!,
    logger: boltLogger(log),
    clientOptions,
    // Bolt checks the token at once; deferred, a Slack that cannot be reached is a clear startup error, not a crash.
    deferInitialization: true,
  });
  try {
    await app.init();
  } catch (err) {
    throw tokenRefused(err, settings.apiUrl);
  }
  const watches = core.watchesFor(app.client);
  registerListeners(app, { ...deps, watches });
  // Steps and watch rounds run here unless this process only listens; the queues take them before the first request.
  if (opts.worker !== false) {
    await core.work(app.client);
    await watches.work(config.limits.slots);
  }

  let server: Server | undefined;
  if (receiver) {
    server = boundedServer(
      frontDoor({
        signingSecret: settings.signingSecret!,
        store,
        log,
        next: (req, res) => {
          try {
            receiver.requestListener(req, res);
          } catch {
            res.writeHead(404).end();
          }
        },
      }),
    );
    await new Promise<void>((resolve, reject) => {
      server!.once("error", reject);
      server!.listen(settings.port, () => resolve());
    });
  } else await app.start();

  log.info(
    {
      mode: socketMode ? "socket" : "http",
      port: settings.port,
      store: settings.redisUrl ? "redis" : "memory",
      worker: opts.worker !== false,
      targets: Object.keys(config.targets),
    },
    "sessiondoc Slack app started",
  );
  return {
    app,
    server,
    async stop() {
      if (server) await new Promise((r) => server!.close(r));
      else await app.stop();
      // Steps and rounds under way finish first; the watches' store closes after them.
      await core.close();
      await watches.stop();
    },
  };
}

/**
 * `sessiondoc worker`: runs diagnosis steps from the queue in Redis and posts what they find with the bot token; it
 * takes no requests from Slack. With PORT set it serves `/healthz` and `/metrics` (the probes' metrics are here).
 */
export async function startSlackWorker(
  settings: WorkerEnv,
  log: Logger,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ server?: Server; stop(): Promise<void> }> {
  const core = await slackCore(settings, log, env);
  const client = new WebClient(settings.botToken, {
    ...core.clientOptions,
    ...(settings.apiUrl ? { slackApiUrl: settings.apiUrl } : {}),
    logger: boltLogger(log),
  });
  try {
    await client.auth.test();
  } catch (err) {
    await core.close();
    throw tokenRefused(err, settings.apiUrl);
  }
  let server: Server | undefined;
  if (settings.port !== undefined) {
    const routes = opsRoutes(core.deps.metrics);
    server = createServer((req, res) => {
      const route = routes.find((r) => req.method === "GET" && req.url === r.path);
      if (route) void route.handler(req, res);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve, reject) => {
      server!.once("error", reject);
      server!.listen(settings.port, () => resolve());
    });
  }
  await core.work(client);
  const watches = core.watchesFor(client);
  await watches.work(core.deps.config.limits.slots);
  log.info({ port: settings.port, targets: Object.keys(core.deps.config.targets) }, "sessiondoc worker started");
  return {
    server,
    async stop() {
      if (server) await new Promise((r) => server!.close(r));
      await core.close();
      await watches.stop();
    },
  };
}
