import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { readYaml, validateYaml } from "../data/load-yaml.js";
import { projectPath } from "../paths.js";
import { startApp, startHaproxy, startRedis, type Running } from "./processes.js";
import { Scenario } from "./schema.js";

export const SCENARIOS_DIR = projectPath("lab", "scenarios");

export function loadScenarios(dir = SCENARIOS_DIR): Scenario[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => validateYaml(readYaml(join(dir, f)), Scenario));
}

export type Lab = {
  scenario: Scenario;
  parts: Running[];
  /** The arguments of `sessiondoc diagnose` for this scenario (without --non-interactive / --json). */
  args: string[];
  stop(): Promise<void>;
};

/**
 * Brings a scenario up: its Redis (and replica), cache data, app nodes, HAProxy in front, some logins; writes its
 * pasted evidence to `workDir`. `detached` leaves the processes running after this process exits (for `lab up`).
 */
export async function bringUp(scenario: Scenario, opts: { workDir: string; detached?: boolean }): Promise<Lab> {
  const parts: Running[] = [];
  const stop = async () => {
    await Promise.all(parts.map((p) => p.stop()));
  };
  const start = { detached: opts.detached };
  try {
    let storeUrl: string | undefined;
    if (scenario.redis) {
      // A replica syncs at once instead of after Redis' default 5 s diskless-sync delay.
      const syncNow = scenario.redis.replica ? ["--repl-diskless-sync-delay", "0"] : [];
      const master = await startRedis([...scenario.redis.args, ...syncNow], start);
      parts.push(master);
      storeUrl = master.url;
      if (scenario.redis.cache) await fillCache(master.url, scenario.redis.cache.keys, scenario.redis.cache.bytes);
      if (scenario.redis.replica) {
        const replica = await startRedis(["--replicaof", "127.0.0.1", String(master.port)], start);
        parts.push(replica);
        await waitForSync(replica.url);
        storeUrl = replica.url;
      }
    }
    const nodes = await Promise.all(
      scenario.nodes.map((n, i) =>
        startApp(
          { NODE_NAME: `n${i + 1}`, ...(n.env.STORE === "redis" && storeUrl ? { REDIS_URL: storeUrl } : {}), ...n.env },
          { ...start, clockOffset: n.clockOffset },
        ),
      ),
    );
    parts.push(...nodes);
    const args: string[] = [];
    if (nodes.length) {
      const lb = await startHaproxy(
        nodes.map((n, i) => ({ port: n.port, name: `n${i + 1}` })),
        { ...start, ...scenario.balancer, backendLines: scenario.balancer.lines },
      );
      parts.push(lb);
      await login(lb.url, scenario.logins);
      args.push("--url", lb.url, ...nodes.flatMap((n) => ["--node", n.url]));
      args.push(
        "--session-path",
        "/login",
        "--check-path",
        "/me",
        "--health-path",
        "/health",
        "--backend-header",
        "X-Backend",
      );
    }
    if (storeUrl) args.push("--redis", storeUrl);
    for (const [id, value] of Object.entries(scenario.answers)) args.push("--answer", `${id}=${value}`);
    if (scenario.evidence) {
      mkdirSync(opts.workDir, { recursive: true });
      const file = join(opts.workDir, `${scenario.id}.log`);
      writeFileSync(file, scenario.evidence);
      args.push("--evidence", file);
    }
    return { scenario, parts, args, stop };
  } catch (err) {
    await stop();
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

async function waitForSync(url: string): Promise<void> {
  const redis = new Redis(url);
  try {
    for (let i = 0; i < 100; i++) {
      if ((await redis.info("replication")).includes("master_link_status:up")) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("the replica did not sync with its master within 10 s");
  } finally {
    redis.disconnect();
  }
}

/** Real traffic: `count` users each signing in once through the balancer. */
async function login(base: string, count: number): Promise<void> {
  for (let i = 0; i < count; i += 10) {
    await Promise.all(
      Array.from({ length: Math.min(10, count - i) }, async () => {
        const res = await fetch(new URL("/login", base));
        await res.arrayBuffer();
      }),
    );
  }
}
