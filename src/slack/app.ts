import { App, LogLevel, type Logger as BoltLogger } from "@slack/bolt";
import type { Server } from "node:http";
import { loadConfig } from "../config/load.js";
import { loadDefinitions } from "../engine/definitions.js";
import { createEngine } from "../engine/engine.js";
import type { Logger } from "../log.js";
import { MemoryStore } from "../store/memory.js";
import { RedisStore } from "../store/redis.js";
import type { DiagnosisStore } from "../store/types.js";
import { slackDiagnoses } from "./diagnoses.js";
import { registerListeners } from "./listeners/index.js";
import { createMetrics } from "./metrics.js";
import type { SlackEnv } from "./env.js";
import pLimit from "p-limit";

const BACKGROUND_CONCURRENCY = 8;

function boltLogger(log: Logger): BoltLogger {
  let level = LogLevel.WARN;
  return {
    debug: (...m) => log.debug(m.join(" ")),
    info: (...m) => log.info(m.join(" ")),
    warn: (...m) => log.warn(m.join(" ")),
    error: (...m) => log.error(m.join(" ")),
    setLevel: (l) => (level = l),
    getLevel: () => level,
    setName: () => {},
  };
}

/**
 * The Slack app: the real Bolt app over HTTP (`/slack/events`, `/healthz`, `/metrics`) or Socket Mode, with the
 * engine, a store (Redis when REDIS_URL is set, so replicas share diagnoses) and the configuration.
 */
export async function startSlackApp(
  settings: SlackEnv,
  log: Logger,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ app: App; server?: Server; stop(): Promise<void> }> {
  const { config } = loadConfig(env);
  const defs = loadDefinitions();
  const store: DiagnosisStore = settings.redisUrl
    ? new RedisStore({ url: settings.redisUrl, ttlSeconds: Math.round(config.retentionDays * 86400) })
    : new MemoryStore();
  // Fail at start, with where and why, rather than on the first click.
  await store.recent(1).catch(async (err: unknown) => {
    await store.close();
    throw err;
  });
  const metrics = createMetrics();
  const engine = createEngine({ ...defs, store, log });
  const diagnoses = slackDiagnoses({ engine, store, config, defs, log, metrics });
  const socketMode = Boolean(settings.appToken && !settings.signingSecret);
  const app = new App({
    token: settings.botToken,
    ...(socketMode ? { socketMode: true, appToken: settings.appToken } : { signingSecret: settings.signingSecret! }),
    logger: boltLogger(log),
    clientOptions: settings.apiUrl ? { slackApiUrl: settings.apiUrl } : {},
    ...(socketMode
      ? {}
      : {
          customRoutes: [
            {
              path: "/healthz",
              method: ["GET"],
              handler: (_req, res) => void res.writeHead(200, { "content-type": "text/plain" }).end("ok"),
            },
            {
              path: "/metrics",
              method: ["GET"],
              handler: async (_req, res) =>
                void res
                  .writeHead(200, { "content-type": metrics.registry.contentType })
                  .end(await metrics.registry.metrics()),
            },
          ],
        }),
  });
  registerListeners(app, { diagnoses, store, config, log, metrics, defs, background: pLimit(BACKGROUND_CONCURRENCY) });
  const server = (await app.start(settings.port)) as Server | undefined;
  log.info(
    {
      mode: socketMode ? "socket" : "http",
      port: socketMode ? undefined : settings.port,
      store: settings.redisUrl ? "redis" : "memory",
      targets: Object.keys(config.targets),
    },
    "sessiondoc Slack app started",
  );
  return {
    app,
    server: socketMode ? undefined : server,
    async stop() {
      await app.stop();
      await store.close();
    },
  };
}
