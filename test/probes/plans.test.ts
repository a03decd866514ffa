import { execFileSync } from "node:child_process";
import { Cluster, Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultProbes } from "../../src/probes/index.js";
import { Handoff, type Probe } from "../../src/probes/types.js";
import type { Targets } from "../../src/model/targets.js";
import { sessiondocInProcess } from "../helpers/cli.js";
import { commandsCounted, startSessionApp, undeclaredCommands, undeclaredRequests } from "../helpers/plan-coverage.js";
import { runProbe } from "../helpers/probe-context.js";
import { startRedis, type RedisServer } from "../helpers/redis.js";

/** The least-privilege user the README gives: a probe that needs more fails here too. */
const ACL =
  "on >probe-pw resetkeys resetchannels %R~* -@all +ping +info +time +dbsize +scan +type +ttl +pttl +exists +memory|usage +object|encoding +object|idletime +latency|latest +slowlog|get +slowlog|len +config|get +role +cluster|info +cluster|nodes +cluster|slots +client|setname +select +readonly";

const probe = (name: string): Probe => defaultProbes.get(name)!;

let server: RedisServer;
let admin: Redis;
let redisUrl: string;
const inStore = "k7Qm2xV9pL4sT8wZ1cR6yB3n";
const notInStore = "Zx8c7v6b5n4m3a2s1d0fGhJk";

beforeAll(async () => {
  server = await startRedis();
  admin = new Redis(server.port, "127.0.0.1", { db: 2 });
  await admin.call("ACL", "SETUSER", "sessprobe", ...ACL.split(" "));
  for (let i = 0; i < 30; i++) await admin.set(`sess:seeded${i}`, JSON.stringify({ cart: i }), "EX", 3600);
  await admin.set(`sess:${inStore}`, "{}", "EX", 3600);
  await admin.set("cache:page", "x");
  redisUrl = `redis://sessprobe:probe-pw@127.0.0.1:${server.port}/2`;
});
afterAll(async () => {
  admin?.disconnect();
  await server?.stop();
});

/** Runs `name` against the real server and returns what INFO commandstats counted, the counting's own reset aside. */
async function counted(name: string, opts: Parameters<typeof runProbe>[2] = {}) {
  await admin.call("CONFIG", "RESETSTAT");
  const outcome = await runProbe(probe(name), { redis: redisUrl }, opts);
  const commands = await commandsCounted(admin);
  commands.delete("CONFIG RESETSTAT");
  return { outcome, commands: [...commands.keys()] };
}

describe("Redis probes send only what their plan declares", () => {
  const plan = (name: string) => probe(name).plan({ targets: { nodes: [], redis: redisUrl }, params: {} });

  it.each(["redis.info", "redis.sessions", "redis.writes"])("%s", async (name) => {
    const handoff = new Handoff();
    if (name === "redis.writes") await runProbe(probe("redis.info"), { redis: redisUrl }, { handoff });
    const { outcome, commands } = await counted(name, { handoff });
    expect(outcome.status, JSON.stringify(outcome.findings)).toBe("ok");
    expect(commands).toContain("CLIENT SETNAME");
    expect(undeclaredCommands(plan(name), commands)).toEqual([]);
  });

  it("redis.sessions examines sampled keys with the commands its plan names", async () => {
    const { commands } = await counted("redis.sessions");
    expect(commands).toEqual(expect.arrayContaining(["SCAN", "TYPE", "PTTL", "MEMORY USAGE", "OBJECT IDLETIME"]));
  });

  it("redis.lookup: EXISTS of each layout's key, then a bounded SCAN for an id no layout holds", async () => {
    const handoff = new Handoff();
    handoff.set("node-sessions", [
      { node: "http://127.0.0.1:1/", name: "app.sid", value: inStore },
      { node: "http://127.0.0.1:2/", name: "app.sid", value: notInStore },
    ]);
    const { outcome, commands } = await counted("redis.lookup", { handoff });
    expect(outcome.status).toBe("ok");
    expect(commands).toEqual(expect.arrayContaining(["EXISTS", "SCAN"]));
    expect(undeclaredCommands(plan("redis.lookup"), commands)).toEqual([]);
  });

  it("a command a plan leaves out is caught", () => {
    expect(undeclaredCommands(plan("redis.writes"), ["INFO", "DBSIZE", "SCAN"])).toEqual(["SCAN"]);
  });
});

describe("on a Redis Cluster, what the client sends on its own is declared too", () => {
  it("redis.info and redis.sessions, with the commands every master counted", async () => {
    const nodes = await Promise.all(
      [0, 1, 2].map(() => startRedis(["--cluster-enabled", "yes", "--cluster-node-timeout", "2000"])),
    );
    const admins = nodes.map((n) => new Redis(n.port, "127.0.0.1"));
    try {
      execFileSync("redis-cli", ["--cluster", "create", ...nodes.map((n) => `127.0.0.1:${n.port}`), "--cluster-yes"], {
        stdio: "ignore",
      });
      for (const r of admins)
        for (let i = 0; i < 100 && !String(await r.cluster("INFO")).includes("cluster_state:ok"); i++)
          await new Promise((res) => setTimeout(res, 100));
      const writer = new Cluster([{ host: "127.0.0.1", port: nodes[0]!.port }]);
      for (let i = 0; i < 30; i++) await writer.set(`sess:cluster-${i}`, "{}", "EX", 1800);
      writer.disconnect();
      const redis = `redis+cluster://127.0.0.1:${nodes[0]!.port}`;
      for (const name of ["redis.info", "redis.sessions"]) {
        await Promise.all(admins.map((r) => r.call("CONFIG", "RESETSTAT")));
        const outcome = await runProbe(probe(name), { redis });
        expect(outcome.status, JSON.stringify(outcome.findings)).toBe("ok");
        const counted = new Set<string>();
        for (const r of admins) for (const c of (await commandsCounted(r)).keys()) counted.add(c);
        counted.delete("CONFIG RESETSTAT");
        expect(counted).toContain("CLUSTER SLOTS");
        const plan = probe(name).plan({ targets: { nodes: [], redis }, params: {} });
        expect(undeclaredCommands(plan, [...counted]), name).toEqual([]);
      }
    } finally {
      for (const r of admins) r.disconnect();
      await Promise.all(nodes.map((n) => n.stop()));
    }
  });
});

describe("HTTP probes send only what their plan declares", () => {
  let apps: Array<Awaited<ReturnType<typeof startSessionApp>>>;
  let targets: Targets;
  const params: Record<string, Record<string, unknown>> = {
    "http.health": { checks: 3, intervalMs: 20 },
    "http.realtime": { holdMs: 300 },
  };
  beforeAll(async () => {
    const shared = new Set<string>();
    apps = await Promise.all([0, 1, 2].map(() => startSessionApp(shared)));
    targets = {
      url: apps[0]!.url,
      nodes: [apps[1]!.url, apps[2]!.url],
      sessionPath: "/login",
      checkPath: "/account",
      healthPath: "/healthz",
    };
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.stop()));
  });

  const httpProbes = [...defaultProbes.values()].filter((p) => p.name.startsWith("http."));
  it.each(httpProbes.map((p) => p.name))("%s", async (name) => {
    for (const app of apps) app.log.length = 0;
    const outcome = await runProbe(probe(name), targets, { params: params[name] });
    expect(outcome.status, JSON.stringify(outcome.findings)).not.toBe("failed");
    const sent = apps.flatMap((a) => a.log);
    expect(sent.length).toBeGreaterThan(0);
    const plan = probe(name).plan({ targets, params: params[name] ?? {} });
    expect(undeclaredRequests(plan, sent)).toEqual([]);
  });

  it("a login's password is shown as the variable it comes from, other values masked", () => {
    const plan = probe("http.continuity").plan({
      targets: { ...targets, login: { method: "POST", path: "/login", form: { user: "alice", pass: "${PROBE_PW}" } } },
      params: {},
    });
    const signIn = plan.find((p) => p.kind === "http" && p.method === "POST")!;
    expect(JSON.stringify(signIn)).toContain("pass=${PROBE_PW}");
    expect(JSON.stringify(plan)).not.toContain("alice");
  });

  it("a request a plan leaves out, or a redirect nobody followed, is caught", () => {
    const plan = probe("http.clock").plan({ targets, params: {} });
    const node = apps[1]!.url;
    expect(
      undeclaredRequests(plan, [
        { method: "GET", url: `${node}healthz`, location: "/elsewhere" },
        { method: "GET", url: `${node}elsewhere` },
        { method: "POST", url: `${node}healthz` },
      ]).map((r) => `${r.method} ${r.url}`),
    ).toEqual([`GET ${node}elsewhere`, `POST ${node}healthz`]);
  });

  it("a dry run sends nothing: no request, no Redis connection, no command", async () => {
    const before = apps.map((a) => a.log.length);
    const connections = async () => /total_connections_received:(\d+)/.exec(await admin.info("stats"))![1];
    await admin.call("CONFIG", "RESETSTAT");
    const connected = await connections();
    const args = ["--url", targets.url!, "--node", targets.nodes[0]!, "--node", targets.nodes[1]!];
    const rest = ["--redis", redisUrl, "--session-path", "/login", "--check-path", "/account"];
    const r = await sessiondocInProcess(["diagnose", "--dry-run", "--json", ...args, ...rest]);
    expect(r.code).toBe(0);
    const json = r.json as { dryRun: boolean; probes: Array<{ probe: string; status: string; missing?: string[] }> };
    expect(json.dryRun).toBe(true);
    expect(json.probes.find((p) => p.probe === "http.health")).toMatchObject({
      status: "skipped",
      missing: ["--health-path"],
    });
    expect(json.probes.filter((p) => p.status === "would-run").map((p) => p.probe)).toContain("redis.lookup");
    expect(r.stdout).not.toContain("probe-pw");
    // The gate probed nothing: 4, never the pass a pipeline would read in 0.
    const gate = await sessiondocInProcess(["check", "--dry-run", ...args, ...rest]);
    expect(gate.code).toBe(4);
    expect(gate.stdout).toMatch(/^Dry run: nothing was sent/);
    expect(gate.stdout).toContain("SCAN <cursor> MATCH <layout's pattern> COUNT 1000");

    expect(apps.map((a) => a.log.length)).toEqual(before);
    expect(await connections()).toBe(connected);
    const commands = await commandsCounted(admin);
    commands.delete("CONFIG RESETSTAT");
    commands.delete("INFO"); // the reading of total_connections_received above
    expect([...commands.keys()]).toEqual([]);
  });
});
