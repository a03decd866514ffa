import { connect, type Socket } from "node:net";
import { Redis } from "ioredis";
import { redisArgs, startRedis, startServer, type Running, type StartOptions } from "../processes.js";
import type { RedisSpec } from "../schema.js";
import type { LabStore } from "../store.js";
import { until, waitForSync, withRedis } from "./admin.js";

/** The database of the cache a clear script flushes (`flush-other-db`, `flushall`), beside the sessions in database 0. */
const CACHE_DB = 1;
const CACHE_KEYS = { keys: 200, bytes: 100 };

/** One redis-server, optionally followed by a replica the app is pointed at. */
export async function startSingleStore(spec: RedisSpec, opts: StartOptions): Promise<LabStore> {
  const parts: Running[] = [];
  try {
    // A replica syncs at once instead of after Redis' default 5 s diskless-sync delay.
    const syncNow = spec.replica ? ["--repl-diskless-sync-delay", "0"] : [];
    const master = await startRedis([...spec.args, ...syncNow], opts);
    parts.push(master);
    if (spec.cache) await fillCache(master.url, spec.cache.keys, spec.cache.bytes);
    if (spec.afterSignIns === "flush-other-db" || spec.afterSignIns === "flushall")
      await fillCache(`${master.url}/${CACHE_DB}`, CACHE_KEYS.keys, CACHE_KEYS.bytes);
    if (spec.idleClients) parts.push(await holdConnections(master, spec.idleClients));
    let used = master;
    if (spec.replica) {
      used = await startRedis(["--replicaof", "127.0.0.1", String(master.port)], opts);
      parts.push(used);
      await waitForSync(used.url);
    }
    const event = spec.afterSignIns;
    return {
      info: { host: "127.0.0.1", port: used.port, url: used.url },
      probeUrl: used.url,
      adminUrl: used.url,
      parts,
      afterSignIns: event ? () => happen(event, used, spec.args, opts) : undefined,
    };
  } catch (err) {
    await Promise.all(parts.map((p) => p.stop()));
    throw err;
  }
}

/** What happens to the store mid-run, as the deploy script, the cache clear, the restart or the network does it. */
async function happen(
  event: NonNullable<RedisSpec["afterSignIns"]>,
  server: Running,
  args: string[],
  opts: StartOptions,
): Promise<void> {
  switch (event) {
    case "flush":
      await withRedis(server.url, (r) => r.flushdb());
      return;
    case "flush-after-select-0":
      // As Laravel's and Predis' clients connect: SELECT of the configured database, 0 included.
      await withRedis(server.url, async (r) => {
        await r.select(0);
        await r.flushdb();
      });
      return;
    case "flush-other-db":
    case "flushall":
      // A cache clear from a client of the cache's database: FLUSHDB empties that one, FLUSHALL every database.
      await withRedis(`${server.url}/${CACHE_DB}`, (r) => (event === "flushall" ? r.flushall() : r.flushdb()));
      // The cache fills again as the app reads through it.
      await fillCache(`${server.url}/${CACHE_DB}`, CACHE_KEYS.keys, CACHE_KEYS.bytes);
      return;
    case "restart": {
      const again = await restart(server, args, opts);
      const first = server.stop;
      // The lab stops the parts it was handed at the start: the server it started now stops its successor too.
      server.stop = async () => {
        await again.stop();
        await first();
      };
      return;
    }
    case "drop-clients":
      await withRedis(server.url, (r) => r.call("CLIENT", "KILL", "TYPE", "normal"));
      return;
  }
}

/**
 * Stops the server as an orchestrator does (SIGTERM: it saves first if it persists anything) and starts it again on
 * the same port with the same options and data folder, which the first process still owns and removes at the end.
 */
async function restart(server: Running, args: string[], opts: StartOptions): Promise<Running> {
  process.kill(server.pid, "SIGTERM");
  await until("the store did not stop", 10_000, async () => !alive(server.pid));
  return startServer(
    "redis-server (restarted)",
    () => ({
      command: "redis-server",
      args: redisArgs(server.port, server.dir!, args),
      waitPort: server.port,
      scheme: "redis",
    }),
    opts,
  );
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Idle connections other services' pools keep open, held until the scenario stops. */
async function holdConnections(server: Running, count: number): Promise<Running> {
  const sockets = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Socket>((resolve, reject) => {
          const s = connect(server.port, "127.0.0.1", () => resolve(s));
          s.on("error", reject);
        }),
    ),
  );
  return {
    port: server.port,
    url: server.url,
    pid: 0,
    stop: async () => sockets.forEach((s) => s.destroy()),
  };
}

/** Cache data sharing the store, written in pipelines; under noeviction some writes may be refused, as in real life. */
async function fillCache(url: string, keys: number, bytes: number): Promise<void> {
  const redis = new Redis(url);
  const value = "c".repeat(bytes);
  try {
    for (let i = 0; i < keys; i += 500) {
      const pipeline = redis.pipeline();
      for (let j = i; j < Math.min(keys, i + 500); j++) pipeline.set(`cache:item:${j}`, value);
      await pipeline.exec();
    }
  } finally {
    redis.disconnect();
  }
}
