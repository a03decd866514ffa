import { App, HTTPReceiver, LogLevel, SocketModeReceiver, type Logger as BoltLogger } from "@slack/bolt";
import type { WebClientOptions } from "@slack/web-api";
import type { Server } from "node:http";
import { loadConfig } from "../config/load.js";
import { loadDefinitions } from "../engine/definitions.js";
import { createEngine } from "../engine/engine.js";
import type { Logger } from "../log.js";
import { redactText } from "../redact.js";
import { MemoryStore } from "../store/memory.js";
import { RedisStore } from "../store/redis.js";
import type { DiagnosisStore } from "../store/types.js";
import { access } from "./access.js";
import { slackDiagnoses } from "./diagnoses.js";
import type { SlackEnv } from "./env.js";
import { boundedServer, frontDoor } from "./front-door.js";
import { registerListeners } from "./listeners/index.js";
import { createMetrics } from "./metrics.js";
import { opsRoutes } from "./ops-routes.js";
import { slackCalls } from "./slack-calls.js";
import { createSlots } from "./slots.js";

/** How often each process looks for steps whose process died. */
const RECOVERY_INTERVAL_MS = 3_000;

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
 * The Slack app: the real Bolt app over HTTP (`/slack/events` behind the front door, `/healthz`, `/metrics`) or
 * Socket Mode, with the engine, a store (Redis when REDIS_URL is set, so replicas share diagnoses) and the
 * configuration.
 */
export async function startSlackApp(
  settings: SlackEnv,
  log: Logger,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ app: App; server?: Server; stop(): Promise<void> }> {
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
  const metrics = createMetrics();
  const engine = createEngine({ ...defs, store, log, probeTimeoutMs: limits.probeTimeoutSeconds * 1000 });
  const calls = slackCalls({ timeoutMs: limits.slackTimeoutSeconds * 1000, log });
  const diagnoses = slackDiagnoses({
    engine,
    store,
    config,
    defs,
    log,
    metrics,
    calls,
    slots: createSlots(limits),
    access: access({ config, calls }),
  });
  // Each call gives up within the Slack time limit; errors are retried twice, quickly; a 429 comes back at once
  // (with its Retry-After) instead of pausing every call of the client for minutes.
  const clientOptions: WebClientOptions = {
    ...(settings.apiUrl ? { slackApiUrl: settings.apiUrl } : {}),
    timeout: limits.slackTimeoutSeconds * 1000,
    retryConfig: { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 1000 },
    rejectRateLimitedCalls: true,
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
    throw new Error(
      `Slack's Web API did not confirm the bot token (${(err as Error).message}): check SLACK_BOT_TOKEN and that ${settings.apiUrl ?? "https://slack.com/api/"} can be reached`,
      { cause: err },
    );
  }
  registerListeners(app, { diagnoses, store, config, log, metrics, calls });

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

  const recover = () =>
    void diagnoses.recover(app.client).catch((err: Error) => log.warn({ err: err.message }, "recovery failed"));
  recover();
  const recovering = setInterval(recover, RECOVERY_INTERVAL_MS);
  recovering.unref();

  log.info(
    {
      mode: socketMode ? "socket" : "http",
      port: settings.port,
      store: settings.redisUrl ? "redis" : "memory",
      targets: Object.keys(config.targets),
    },
    "sessiondoc Slack app started",
  );
  return {
    app,
    server,
    async stop() {
      clearInterval(recovering);
      if (server) await new Promise((r) => server!.close(r));
      else await app.stop();
      await store.close();
    },
  };
}
