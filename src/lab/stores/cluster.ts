import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { freePort, startRedis, type Running, type StartOptions } from "../processes.js";
import type { RedisSpec } from "../schema.js";
import type { LabStore } from "../store.js";
import { until, withRedis } from "./admin.js";

const run = promisify(execFile);

/** Three masters of a Redis Cluster (no replicas), slots shared out by `redis-cli --cluster create`. */
export async function startClusterStore(spec: RedisSpec, opts: StartOptions): Promise<LabStore> {
  const parts: Running[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      // The cluster bus defaults to port + 10000, past 65535 for ports above 55535 (much of the ephemeral range).
      const bus = await freePort();
      parts.push(
        await startRedis(
          [...spec.args, "--cluster-enabled", "yes", "--cluster-port", String(bus), "--cluster-node-timeout", "2000"],
          opts,
        ),
      );
    }
    const addresses = parts.map((n) => `127.0.0.1:${n.port}`);
    await run("redis-cli", ["--cluster", "create", ...addresses, "--cluster-replicas", "0", "--cluster-yes"], {
      timeout: 30_000,
    }).catch((err: Error & { stdout?: string }) => {
      throw new Error(`redis-cli --cluster create failed: ${err.message}\n${err.stdout ?? ""}`, { cause: err });
    });
    // The nodes agree on the slots a moment after redis-cli returns.
    await until("the cluster did not reach cluster_state:ok", 15_000, async () => {
      const states = await Promise.all(parts.map((n) => withRedis(n.url, (r) => r.call("CLUSTER", "INFO"))));
      return states.every((s) => String(s).includes("cluster_state:ok"));
    });
    const [first] = parts;
    return {
      info: {
        host: "127.0.0.1",
        port: first!.port,
        url: first!.url,
        cluster: { nodes: parts.map((n) => ({ host: "127.0.0.1", port: n.port })) },
      },
      probeUrl: `redis+cluster://${addresses.join(",")}`,
      adminUrl: first!.url,
      parts,
    };
  } catch (err) {
    await Promise.all(parts.map((p) => p.stop()));
    throw err;
  }
}
