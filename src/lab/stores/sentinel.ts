import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { scratchDir, startRedis, startServer, type Running, type StartOptions } from "../processes.js";
import type { RedisSpec } from "../schema.js";
import type { LabStore } from "../store.js";
import { replicationInfo, until, waitForSync, withRedis } from "./admin.js";

/** The name the sentinels monitor the session store under: the last part of `redis+sentinel://…/NAME`. */
export const MASTER_NAME = "sessions";

/**
 * A master, a replica and `spec.sentinels` sentinels (quorum 1). The app's plain address is the master's; with
 * `spec.failover` the lab fails over for real after the first sign-ins, so that address ends up on a replica.
 */
export async function startSentinelStore(spec: RedisSpec, opts: StartOptions): Promise<LabStore> {
  const parts: Running[] = [];
  try {
    // Both sides sync at once instead of after Redis' default 5 s diskless-sync delay: the replica now, and the old
    // master when it follows the new one after a failover.
    const syncNow = ["--repl-diskless-sync-delay", "0"];
    const master = await startRedis([...spec.args, ...syncNow], opts);
    parts.push(master);
    const replica = await startRedis([...spec.args, ...syncNow, "--replicaof", "127.0.0.1", String(master.port)], opts);
    parts.push(replica);
    // A sentinel learns of replicas from its master's INFO, read at once and then every 10 s: a replica that is not
    // listed there yet would stay unknown (and a failover refused) for up to 10 s.
    await waitForSync(replica.url);
    const sentinels: Running[] = [];
    for (let i = 0; i < spec.sentinels; i++) {
      const sentinel = await startSentinel(master.port, opts);
      parts.push(sentinel);
      sentinels.push(sentinel);
    }
    await Promise.all(sentinels.map((s) => watching(s, sentinels.length - 1)));
    return {
      info: {
        host: "127.0.0.1",
        port: master.port,
        url: master.url,
        sentinel: { name: MASTER_NAME, sentinels: sentinels.map((s) => ({ host: "127.0.0.1", port: s.port })) },
      },
      probeUrl: `redis+sentinel://${sentinels.map((s) => `127.0.0.1:${s.port}`).join(",")}/${MASTER_NAME}`,
      adminUrl: master.url,
      parts,
      afterSignIns: spec.failover ? () => failOver(sentinels, master, replica) : undefined,
    };
  } catch (err) {
    await Promise.all(parts.map((p) => p.stop()));
    throw err;
  }
}

/** Waits until a sentinel knows the replica well enough to promote it, and its `peers` other sentinels. */
function watching(sentinel: Running, peers: number): Promise<void> {
  return withRedis(sentinel.url, (r) =>
    until(`sentinel ${sentinel.url} did not see the replica and the other sentinels`, 10_000, async () => {
      const replicas = ((await r.call("SENTINEL", "REPLICAS", MASTER_NAME)) as string[][]).map(fields);
      const others = (await r.call("SENTINEL", "SENTINELS", MASTER_NAME)) as unknown[];
      // Listed is not enough: SENTINEL FAILOVER refuses (NOGOODSLAVE) a replica whose own INFO it has not read.
      const promotable = replicas.filter(
        (f) =>
          f.get("flags") === "slave" && f.get("master-link-status") === "ok" && Number(f.get("info-refresh")) < 5_000,
      );
      return promotable.length === 1 && others.length === peers;
    }),
  );
}

/** A real failover: the replica is promoted, the old master follows it, and every sentinel names the new one. */
async function failOver(sentinels: Running[], master: Running, replica: Running): Promise<void> {
  // SENTINEL FAILOVER promotes the replica as it is: writes it has not received yet are lost, and the old master
  // drops them when it resyncs. Like a careful operator, the lab lets the replica catch up first.
  const written = Number((await replicationInfo(master.url)).get("master_repl_offset"));
  await until("the replica did not catch up with its master", 10_000, async () => {
    return Number((await replicationInfo(replica.url)).get("slave_repl_offset")) >= written;
  });
  await withRedis(sentinels[0]!.url, (r) => r.call("SENTINEL", "FAILOVER", MASTER_NAME));
  await until("Sentinel did not finish the failover", 30_000, async () => {
    const named = await Promise.all(
      sentinels.map((s) => withRedis(s.url, (r) => r.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME))),
    );
    if (!named.every((addr) => (addr as string[])[1] === String(replica.port))) return false;
    const [promoted, old] = await Promise.all([replicationInfo(replica.url), replicationInfo(master.url)]);
    return (
      promoted.get("role") === "master" &&
      old.get("role") === "slave" &&
      old.get("master_port") === String(replica.port) &&
      old.get("master_link_status") === "up"
    );
  });
}

/** A reply of SENTINEL REPLICAS or MASTER: field, value, field, value … */
function fields(flat: string[]): Map<string, string> {
  return new Map(Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i]!, flat[2 * i + 1]!]));
}

async function startSentinel(masterPort: number, opts: StartOptions): Promise<Running> {
  const sentinel = await startServer(
    "redis-sentinel",
    (port) => {
      const dir = scratchDir("sentinel");
      // Sentinel rewrites its config file with what it learns (replicas, peers, the current master).
      const conf = join(dir, "sentinel.conf");
      writeFileSync(
        conf,
        [
          `port ${port}`,
          "bind 127.0.0.1",
          `dir ${dir}`,
          `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${masterPort} 1`,
          `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
          `sentinel failover-timeout ${MASTER_NAME} 5000`,
          "",
        ].join("\n"),
      );
      return { command: "redis-sentinel", args: [conf], cleanup: dir, scheme: "redis" };
    },
    opts,
  );
  // By default a sentinel reads a replica's INFO every 10 s and waits four hello periods (8 s) before it turns an old
  // master that still says "master" into a replica: a failover would take about ten seconds instead of one.
  await withRedis(sentinel.url, (r) => r.call("SENTINEL", "DEBUG", "info-period", "1000", "publish-period", "250"));
  return sentinel;
}
