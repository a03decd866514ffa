import { Redis } from "ioredis";
import { startRedis, type Running, type StartOptions } from "../processes.js";
import type { RedisSpec } from "../schema.js";
import type { LabStore } from "../store.js";
import { waitForSync } from "./admin.js";

/** One redis-server, optionally followed by a replica the app is pointed at. */
export async function startSingleStore(spec: RedisSpec, opts: StartOptions): Promise<LabStore> {
  const parts: Running[] = [];
  try {
    // A replica syncs at once instead of after Redis' default 5 s diskless-sync delay.
    const syncNow = spec.replica ? ["--repl-diskless-sync-delay", "0"] : [];
    const master = await startRedis([...spec.args, ...syncNow], opts);
    parts.push(master);
    if (spec.cache) await fillCache(master.url, spec.cache.keys, spec.cache.bytes);
    let used = master;
    if (spec.replica) {
      used = await startRedis(["--replicaof", "127.0.0.1", String(master.port)], opts);
      parts.push(used);
      await waitForSync(used.url);
    }
    return {
      info: { host: "127.0.0.1", port: used.port, url: used.url },
      probeUrl: used.url,
      adminUrl: used.url,
      parts,
    };
  } catch (err) {
    await Promise.all(parts.map((p) => p.stop()));
    throw err;
  }
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
