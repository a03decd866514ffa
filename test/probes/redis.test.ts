import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALLOWED_COMMANDS, CommandRefused, ReadOnlyRedis } from "../../src/probes/redis/read-only.js";
import { parseRedisTarget } from "../../src/probes/redis/connection.js";
import { sessionIdFromCookie } from "../../src/probes/redis/layouts.js";
import { redisInfoProbe, redisSessionsProbe } from "../../src/probes/redis/index.js";
import { sessionPrefix } from "../../src/probes/redis/sessions-probe.js";
import { readStore } from "../../src/probes/redis/info.js";
import { Handoff } from "../../src/probes/types.js";
import { finding, runProbe, weightFor } from "../helpers/probe-context.js";
import { freePort, startRedis, type RedisServer } from "../helpers/redis.js";
import { writeCacheKeys, writeSessions } from "../helpers/sessions.js";

const servers: RedisServer[] = [];
async function redis(args: string[] = []) {
  const s = await startRedis(args);
  servers.push(s);
  return s;
}
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

async function admin<T>(url: string, fn: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis(url, { lazyConnect: true });
  await r.connect();
  try {
    return await fn(r);
  } finally {
    r.disconnect();
  }
}

/** Every command the server has received since CONFIG RESETSTAT, as INFO commandstats names them. */
async function commandsReceived(url: string): Promise<string[]> {
  const info = await admin(url, (r) => r.info("commandstats"));
  return [...info.matchAll(/^cmdstat_([^:]+):/gm)].map((m) => m[1]!.toUpperCase().replace("|", " "));
}

describe("a healthy store with Express sessions", () => {
  let url: string;
  beforeAll(async () => {
    url = (await redis()).url;
    await writeSessions(url, { count: 300, ttl: 1800, bytes: 400 });
  });

  it("redis.info reports memory headroom, a master, and the clock", async () => {
    const out = await runProbe(redisInfoProbe, { redis: url });
    expect(out.status).toBe("ok");
    expect(out.facts).toMatchObject({ "store-reachable": true, "store-evictions": "no", "store-replica": "no" });
    expect(finding(out, "memory").summary).toMatch(
      /no evictions since the last restart; used_memory .* with no maxmemory limit, policy noeviction/,
    );
    expect(weightFor(redisInfoProbe, out, "memory", "store-capacity")).toBeLessThan(0);
    expect(finding(out, "replication").summary).toMatch(/master with no replicas/);
    expect(Math.abs(Number(finding(out, "clock").data!.offsetMs))).toBeLessThan(1000);
  });

  it("redis.sessions recognises connect-redis, measures TTLs against the idle timeout and sizes", async () => {
    const out = await runProbe(redisSessionsProbe, { redis: url }, { facts: { "idle-timeout": "30m" } });
    expect(out.status).toBe("ok");
    expect(out.facts).toMatchObject({
      stack: "express",
      architecture: "external-store",
      "session-layout": "connect-redis",
      "ttl-vs-timeout": "no",
      "session-size": "no",
    });
    expect(finding(out, "layout").summary).toMatch(/^all 300 session keys of connect-redis/);
    expect(finding(out, "ttl").summary).toMatch(/idle timeout is 30m: they match/);
    expect(Number(finding(out, "ttl").data!.lifetimeSeconds)).toBeGreaterThan(1790);
    expect(weightFor(redisSessionsProbe, out, "sizes", "session-size")).toBe(-0.6);
  });

  it("never sends anything outside the allowlist, and never reads a session", async () => {
    await admin(url, (r) => r.config("RESETSTAT"));
    await runProbe(redisInfoProbe, { redis: url });
    await runProbe(redisSessionsProbe, { redis: url }, { facts: { "idle-timeout": "30m" } });
    const received = (await commandsReceived(url)).filter((c) => c !== "CONFIG RESETSTAT");
    // The client names its connection on connect; INFO commandstats is this test's own read.
    const outside = received.filter((c) => !ALLOWED_COMMANDS.has(c) && c !== "CLIENT SETNAME");
    expect(outside).toEqual([]);
    expect(received).toEqual(expect.arrayContaining(["SCAN", "PTTL", "MEMORY USAGE", "TYPE", "TIME", "CONFIG GET"]));
  });
});

describe("the read-only allowlist", () => {
  const forbidden: Array<[string, ...Array<string | number>]> = [
    ["SET", "k", "v"],
    ["GET", "sess:abc"],
    ["HGETALL", "spring:session:sessions:abc"],
    ["DEL", "k"],
    ["KEYS", "*"],
    ["MONITOR"],
    ["DEBUG", "SLEEP", 0],
    ["FLUSHALL"],
    ["FLUSHDB"],
    ["CONFIG", "SET", "maxmemory", "1"],
    ["CONFIG", "REWRITE"],
    ["EVAL", "return 1", 0],
    ["SHUTDOWN"],
    ["EXPIRE", "k", 1],
    ["HSET", "h", "f", "v"],
    ["CLIENT", "KILL", "ID", 1],
    ["ACL", "SETUSER", "x"],
    ["SAVE"],
    ["REPLICAOF", "NO", "ONE"],
    ["SCRIPT", "FLUSH"],
    ["PUBLISH", "c", "m"],
    ["MIGRATE", "h", 1, "k", 0, 1],
    ["SWAPDB", 0, 1],
  ];
  let url: string;
  beforeAll(async () => {
    url = (await redis()).url;
  });

  it("refuses every write, KEYS, MONITOR, DEBUG, FLUSH*, CONFIG SET and content read before it reaches the network", async () => {
    const client = new Redis(url, { lazyConnect: true });
    await client.connect();
    await admin(url, (r) => r.config("RESETSTAT"));
    const ro = new ReadOnlyRedis(client, "test");
    for (const [cmd, ...args] of forbidden) {
      await expect(ro.call(cmd, ...args), cmd).rejects.toThrow(CommandRefused);
      await expect(ro.try(cmd, ...args), cmd).rejects.toThrow(CommandRefused);
    }
    // A batch with one forbidden command is refused whole.
    await expect(ro.batch([["PING"], ["DEL", "k"]])).rejects.toThrow(/DEL is not on sessiondoc's read-only allowlist/);
    client.disconnect();
    expect(ro.sent).toBe(0);
    const received = await commandsReceived(url);
    expect(received.filter((c) => c !== "CONFIG RESETSTAT" && c !== "INFO")).toEqual([]);
  });
});

describe("faults injected for real", () => {
  it("maxmemory with allkeys-lru shared with cache data: evictions point at store-capacity", async () => {
    const { url } = await redis(["--maxmemory", "4mb", "--maxmemory-policy", "allkeys-lru"]);
    await writeSessions(url, { count: 500, ttl: 1800, bytes: 2000 });
    await writeCacheKeys(url, 8000, 1000);
    const handoff = new Handoff();
    const info = await runProbe(redisInfoProbe, { redis: url }, { handoff });
    const evictions = finding(info, "evictions-since-start");
    expect(Number(evictions.data!.evictedKeys)).toBeGreaterThan(0);
    expect(evictions.summary).toMatch(/evicted_keys \d+ in .* of maxmemory 4 MB .* policy allkeys-lru/);
    // A total since the start is rated by uptime; evictions while the diagnosis runs are what confirm it.
    expect(weightFor(redisInfoProbe, info, "evictions-since-start", "store-capacity")).toBe(0.35);
    expect(info.facts["store-evictions"]).toBe("yes");
    await writeSessions(url, { count: 300, ttl: 1800, bytes: 2000 });
    const sessions = await runProbe(redisSessionsProbe, { redis: url }, { handoff });
    expect(finding(sessions, "evictions-now").summary).toMatch(/^\d+ keys evicted in the \d+ s of this diagnosis/);
    expect(weightFor(redisSessionsProbe, sessions, "evictions-now", "store-capacity")).toBe(0.9);
    expect(finding(sessions, "shared-with-cache").summary).toMatch(
      /% of scanned keys are not connect-redis .* sessions, under allkeys-lru/,
    );
  });

  it("a cache Redis given instead, evicting by design with no session in sight: a piece, not a confirmation", async () => {
    const { url } = await redis(["--maxmemory", "4mb", "--maxmemory-policy", "allkeys-lru"]);
    await writeCacheKeys(url, 8000, 1000);
    const handoff = new Handoff();
    await runProbe(redisInfoProbe, { redis: url }, { handoff });
    await writeCacheKeys(url, 4000, 1000);
    const sessions = await runProbe(redisSessionsProbe, { redis: url }, { handoff });
    expect(sessions.findings.map((f) => f.id)).toContain("no-sessions");
    expect(finding(sessions, "evictions-now").data).toMatchObject({ sessionsSeen: false });
    expect(weightFor(redisSessionsProbe, sessions, "evictions-now", "store-capacity")).toBe(0.3);
  });

  it("noeviction at the limit: refused writes are counted and point at store-capacity", async () => {
    const { url } = await redis(["--maxmemory", "3mb", "--maxmemory-policy", "noeviction"]);
    await writeCacheKeys(url, 6000, 1000);
    const info = await runProbe(redisInfoProbe, { redis: url });
    const f = finding(info, "oom-since-start");
    expect(f.summary).toMatch(/^\d+ commands refused with "OOM command not allowed" .* policy noeviction/);
    expect(Number(f.data!.oomErrors)).toBeGreaterThan(0);
    expect(info.facts["store-evictions"]).toBe("yes");
  });

  it("a FLUSHDB since the start is counted server-wide, and one during the diagnosis is seen as it happens", async () => {
    const { url } = await redis();
    await writeSessions(url, { count: 10 });
    await admin(url, (r) => r.flushdb());
    await writeSessions(url, { count: 10 });
    const handoff = new Handoff();
    const info = await runProbe(redisInfoProbe, { redis: url }, { handoff });
    // Cumulative and server-wide: evidence of a wipe, not by itself something wrong now.
    const since = finding(info, "flushes-since-start");
    expect(since).toMatchObject({ data: { flushes: 1 } });
    expect(since.anomaly).toBeUndefined();
    await admin(url, (r) => r.flushdb());
    const sessions = await runProbe(redisSessionsProbe, { redis: url }, { handoff });
    expect(finding(sessions, "flush-now")).toMatchObject({ anomaly: true, data: { flushes: 1, emptied: true } });
    expect(weightFor(redisSessionsProbe, sessions, "flush-now", "store-wipe")).toBe(0.9);
  });

  it("counters rated by uptime: one eviction long ago is a hint, many an hour are evidence", () => {
    const outcome = (perHour: number) => ({
      status: "ok" as const,
      target: "-",
      facts: {},
      findings: [{ id: "evictions-since-start", summary: "-", data: { evictedKeys: 1, perHour } }],
    });
    expect(weightFor(redisInfoProbe, outcome(0.0005), "evictions-since-start", "store-capacity")).toBe(0.1);
    expect(weightFor(redisInfoProbe, outcome(40), "evictions-since-start", "store-capacity")).toBe(0.35);
  });

  it("a short connect-redis TTL against a 30 minute idle timeout is a ttl-mismatch", async () => {
    const { url } = await redis();
    await writeSessions(url, { count: 50, ttl: 120 });
    const out = await runProbe(redisSessionsProbe, { redis: url }, { facts: { "idle-timeout": "30m" } });
    const f = finding(out, "ttl-shorter-than-idle-timeout");
    expect(f.summary).toMatch(/store lifetime about 2m( 1s)?, but the app's idle timeout is 30m/);
    expect(f.data).toMatchObject({ idleTimeoutSeconds: 1800 });
    expect(Number(f.data!.lifetimeSeconds)).toBeGreaterThanOrEqual(120);
    expect(Number(f.data!.lifetimeSeconds)).toBeLessThanOrEqual(121);
    expect(weightFor(redisSessionsProbe, out, "ttl-shorter-than-idle-timeout", "ttl-mismatch")).toBe(0.85);
    expect(out.facts["ttl-vs-timeout"]).toBe("yes");
  });

  it("without a known idle timeout, very short lifetimes are still flagged, weakly", async () => {
    const { url } = await redis();
    await writeSessions(url, { count: 20, ttl: 120 });
    const out = await runProbe(redisSessionsProbe, { redis: url });
    expect(weightFor(redisSessionsProbe, out, "ttl-short", "ttl-mismatch")).toBe(0.35);
    expect(out.facts["ttl-vs-timeout"]).toBeUndefined();
  });

  it("session keys with no TTL are reported", async () => {
    const { url } = await redis();
    await writeSessions(url, { count: 10 });
    await admin(url, async (r) => {
      for (const key of (await r.scan("0", "MATCH", "sess:*", "COUNT", 100))[1].slice(0, 4)) await r.persist(key);
    });
    const out = await runProbe(redisSessionsProbe, { redis: url }, { facts: { "idle-timeout": "30m" } });
    expect(finding(out, "no-ttl").summary).toMatch(/^4 of 10 session keys have no TTL/);
  });

  it("oversized sessions point at session-size, with the distribution", async () => {
    const { url } = await redis();
    await writeSessions(url, { count: 40, bytes: 300 * 1024 });
    const out = await runProbe(redisSessionsProbe, { redis: url });
    const f = finding(out, "large-sessions");
    expect(f.summary).toMatch(/p95 3\d\d KB.* 40 over 100 KB/);
    expect(out.facts["session-size"]).toBe("yes");
  });

  it("a replica whose master is gone: the app cannot write sessions", async () => {
    const master = await redis(["--repl-diskless-sync-delay", "0"]);
    const replica = await redis(["--replicaof", "127.0.0.1", String(master.port)]);
    await admin(replica.url, async (r) => {
      for (let i = 0; i < 50 && !(await r.info("replication")).includes("master_link_status:up"); i++)
        await new Promise((res) => setTimeout(res, 100));
    });
    await master.stop();
    const out = await runProbe(redisInfoProbe, { redis: replica.url });
    const f = finding(out, "store-is-replica");
    expect(f.summary).toMatch(
      new RegExp(
        `is a replica and its link to master 127\\.0\\.0\\.1:${master.port} is down .*an app that writes its sessions here has them refused \\(READONLY\\)`,
      ),
    );
    // It confirms replication once sessions are seen lost through the balancer: the app writes here.
    expect(weightFor(redisInfoProbe, out, "store-is-replica", "replication")).toBe(0.45);
    const lost = { "session-continuity": "lost" };
    expect(weightFor(redisInfoProbe, out, "store-is-replica", "replication", lost)).toBe(0.9);
    expect(out.facts["store-role"]).toBe("replica");
    // Whether the app writes to it is the person's answer, or the sign-ins' evidence.
    expect(out.facts["store-replica"]).toBeUndefined();
  });

  it("a replica that refuses a client's writes during the diagnosis confirms replication; one left alone does not", async () => {
    const master = await redis(["--repl-diskless-sync-delay", "0"]);
    const replica = await redis(["--replicaof", "127.0.0.1", String(master.port)]);
    await writeSessions(master.url, { count: 5 });
    const diagnose = async (write: boolean) => {
      const handoff = new Handoff();
      await runProbe(redisInfoProbe, { redis: replica.url }, { handoff });
      if (write) await admin(replica.url, (r) => r.set("sess:new", "{}").catch(() => undefined));
      return runProbe(redisSessionsProbe, { redis: replica.url }, { handoff });
    };
    const quiet = await diagnose(false);
    expect(quiet.findings.map((f) => f.id)).not.toContain("readonly-now");
    const refused = await diagnose(true);
    expect(finding(refused, "readonly-now").summary).toMatch(/^1 writes refused with "READONLY/);
    expect(weightFor(redisSessionsProbe, refused, "readonly-now", "replication")).toBe(0.9);
    // With the sessions signed in through the balancer holding, the refused writes are another client's.
    const holds = { "session-continuity": "holds" };
    expect(weightFor(redisSessionsProbe, refused, "readonly-now", "replication", holds)).toBe(0.45);
  });

  it("the README's least-privilege ACL user gets full findings", async () => {
    const { url, port } = await redis();
    await writeSessions(url, { count: 30 });
    await admin(url, (r) =>
      r.call(
        "ACL",
        "SETUSER",
        "sessprobe",
        "on",
        ">probe-pw",
        "resetkeys",
        "resetchannels",
        "%R~*",
        "-@all",
        ...README_ACL.split(/\s+/).filter((t) => t.startsWith("+")),
      ),
    );
    const target = `redis://sessprobe:probe-pw@127.0.0.1:${port}`;
    const info = await runProbe(redisInfoProbe, { redis: target });
    expect(info.status).toBe("ok");
    expect(info.target).toBe(`redis://sessprobe:***@127.0.0.1:${port}`);
    expect(info.findings.find((f) => f.id === "restricted")).toBeUndefined();
    const sessions = await runProbe(redisSessionsProbe, { redis: target }, { facts: { "idle-timeout": "30m" } });
    expect(sessions.facts).toMatchObject({ "session-layout": "connect-redis", "ttl-vs-timeout": "no" });
    expect(sessions.findings.find((f) => f.id === "restricted")).toBeUndefined();
    // The user really is restricted: contents and writes are refused by the server itself.
    const asProbe = new Redis(target);
    await expect(asProbe.get("sess:x")).rejects.toThrow(/NOPERM/);
    await expect(asProbe.set("x", "1")).rejects.toThrow(/NOPERM/);
    asProbe.disconnect();
  });

  it("a user without CONFIG, ROLE or MEMORY falls back and says what is missing", async () => {
    const { url, port } = await redis(["--maxmemory", "64mb", "--maxmemory-policy", "volatile-lru"]);
    await writeSessions(url, { count: 10 });
    await admin(url, (r) =>
      r.call(
        "ACL",
        "SETUSER",
        "narrow",
        "on",
        ">pw",
        "%R~*",
        "-@all",
        "+ping",
        "+info",
        "+time",
        "+dbsize",
        "+scan",
        "+type",
        "+pttl",
      ),
    );
    const target = `redis://narrow:pw@127.0.0.1:${port}`;
    const info = await runProbe(redisInfoProbe, { redis: target });
    expect(info.status).toBe("ok");
    expect(finding(info, "memory").summary).toMatch(/of maxmemory 64 MB .* policy volatile-lru/);
    expect(finding(info, "restricted").summary).toMatch(/CONFIG GET, ROLE; read from INFO instead/);
    const sessions = await runProbe(redisSessionsProbe, { redis: target });
    expect(sessions.status).toBe("ok");
    expect(finding(sessions, "restricted").summary).toMatch(/MEMORY USAGE, OBJECT IDLETIME/);
  });

  it("CONFIG renamed away (as managed services do) is a fallback, not a failure", async () => {
    const { url } = await redis([
      "--maxmemory",
      "32mb",
      "--maxmemory-policy",
      "allkeys-lfu",
      "--rename-command",
      "CONFIG",
      "",
    ]);
    const info = await runProbe(redisInfoProbe, { redis: url });
    expect(info.status).toBe("ok");
    expect(finding(info, "memory").summary).toMatch(/maxmemory 32 MB .* policy allkeys-lfu/);
    expect(finding(info, "restricted").summary).toMatch(/CONFIG GET/);
  });

  it("a stopped server is 'connection refused' within the timeout", async () => {
    const port = await freePort();
    const started = Date.now();
    const out = await runProbe(
      redisInfoProbe,
      { redis: `redis://:pw@127.0.0.1:${port}` },
      { params: { connectTimeoutMs: 1000 } },
    );
    expect(Date.now() - started).toBeLessThan(3000);
    expect(out.status).toBe("failed");
    expect(out.facts["store-reachable"]).toBe(false);
    expect(finding(out, "unreachable").summary).toBe(
      `connection refused at redis://:***@127.0.0.1:${port}: nothing listens there, or a firewall rejects it`,
    );
  });

  it("a server that accepts and never answers is cut off at the command timeout", async () => {
    const port = await freePort();
    const silent: Server = createServer(() => {});
    await new Promise<void>((res) => silent.listen(port, "127.0.0.1", res));
    try {
      const started = Date.now();
      const out = await runProbe(
        redisInfoProbe,
        { redis: `redis://127.0.0.1:${port}` },
        { params: { connectTimeoutMs: 1000, commandTimeoutMs: 800 } },
      );
      expect(Date.now() - started).toBeLessThan(4000);
      expect(out.status).toBe("failed");
      expect(out.findings[0]!.summary).toMatch(/stopped answering|no answer/);
    } finally {
      silent.close();
    }
  });

  it("a wrong password is 'auth failed', naming the user but not the password", async () => {
    const { port } = await redis(["--requirepass", "right"]);
    const out = await runProbe(redisInfoProbe, { redis: `redis://default:wrong@127.0.0.1:${port}` });
    expect(finding(out, "unreachable").summary).toMatch(
      /^auth failed at redis:\/\/default:\*\*\*@127\.0\.0\.1:\d+ for user "default"/,
    );
    expect(JSON.stringify(out)).not.toContain("wrong");
  });
});

describe("a cluster's masters read as one store", () => {
  it("memory from the fullest master, the start from the one that started last (a shard that restarted)", async () => {
    const master = (fields: Record<string, number>, dbsize: number) =>
      ({
        call: async (command: string) =>
          command === "INFO"
            ? Object.entries(fields)
                .map(([k, v]) => `${k}:${v}`)
                .join("\r\n")
            : dbsize,
      }) as unknown as ReadOnlyRedis;
    const { info, dbsize } = await readStore([
      master(
        {
          uptime_in_seconds: 900_000,
          rdb_last_load_keys_loaded: 500,
          second_repl_offset: 7,
          used_memory: 90,
          maxmemory: 100,
        },
        40,
      ),
      master(
        {
          uptime_in_seconds: 30,
          rdb_last_load_keys_loaded: 0,
          second_repl_offset: -1,
          used_memory: 10,
          maxmemory: 100,
        },
        2,
      ),
    ]);
    // The shard that restarted was never promoted, whatever an old failover did to another.
    expect(info.get("second_repl_offset")).toBe("-1");
    expect(info.get("used_memory")).toBe("90");
    expect(info.get("uptime_in_seconds")).toBe("30");
    expect(info.get("rdb_last_load_keys_loaded")).toBe("0");
    expect(dbsize).toBe(42);
  });
});

describe("a broad --session-prefix", () => {
  it("is narrowed to where the diagnosis' own sessions are: the app's cache keys under it are not sessions", async () => {
    const { url } = await redis();
    await writeSessions(url, { count: 20, ttl: 1800, prefix: "app:sess:" });
    await admin(url, async (r) => {
      for (let i = 0; i < 40; i++) await r.set(`app:cache:${i}`, "c".repeat(20_000), "EX", 60);
    });
    const handoff = new Handoff();
    handoff.set("session-prefix", "app:sess:");
    const narrowed = await runProbe(redisSessionsProbe, { redis: url, sessionPrefix: "app:" }, { handoff });
    expect(finding(narrowed, "layout").summary).toMatch(/^all 20 session keys of keys under "app:sess:"/);
    expect(finding(narrowed, "ttl-uncompared").data).toMatchObject({ ttlP50Seconds: 1800 });
    // Without the sessions' own place, the given prefix is taken as it is, cache keys and all.
    const broad = await runProbe(redisSessionsProbe, { redis: url, sessionPrefix: "app:" });
    expect(finding(broad, "layout").summary).toMatch(/^all 60 session keys of keys under "app:"/);
    expect(finding(broad, "ttl-uncompared").data).toMatchObject({ ttlP50Seconds: 60 });
  });

  it("a prefix found elsewhere does not replace the one given", () => {
    expect(sessionPrefix("app:", "app:sess:")).toBe("app:sess:");
    expect(sessionPrefix("app:", "other:")).toBe("app:");
    expect(sessionPrefix(undefined, "sess:")).toBe("sess:");
    expect(sessionPrefix("app:", undefined)).toBe("app:");
  });
});

describe("bounded cost", () => {
  it("samples at most maxKeys keys of a large keyspace, with a bounded number of commands", async () => {
    const { url } = await redis();
    await writeSessions(url, { count: 5000 });
    const out = await runProbe(redisSessionsProbe, { redis: url }, { params: { maxKeys: 200 } });
    expect(finding(out, "layout").summary).toMatch(
      /^200 sampled \(stopped by the key cap\) session keys .* among 5000 keys/,
    );
    // discovery + DBSIZE + a few SCAN pages + 4 commands per examined key + INFO memory
    expect(Number(finding(out, "cost").data!.commands)).toBeLessThan(200 * 4 + 30);
  });
});

describe("targets and cookies", () => {
  it("parses single, TLS, Sentinel and Cluster URLs without keeping the password in the display form", () => {
    expect(parseRedisTarget("rediss://probe:s3cret@cache.example.com:6380/2")).toMatchObject({
      mode: "single",
      tls: true,
      username: "probe",
      password: "s3cret",
      db: 2,
      display: "rediss://probe:***@cache.example.com:6380/2",
    });
    expect(parseRedisTarget("redis+sentinel://:pw@s1:26379,s2/mymaster/1")).toMatchObject({
      mode: "sentinel",
      masterName: "mymaster",
      db: 1,
      hosts: [
        { host: "s1", port: 26379 },
        { host: "s2", port: 26379 },
      ],
    });
    expect(parseRedisTarget("redis+cluster://n1:7000,n2:7001")).toMatchObject({
      mode: "cluster",
      hosts: [
        { host: "n1", port: 7000 },
        { host: "n2", port: 7001 },
      ],
    });
    expect(() => parseRedisTarget("redis://h:6379/sessions")).toThrow(/database must be a number/);
    expect(() => parseRedisTarget("redis+sentinel://s1:26379")).toThrow(/needs the master name/);
  });

  it("maps session cookies to store ids", () => {
    expect(sessionIdFromCookie("connect.sid", "s%3AAbC-123_xyz.5Rk9sigSIG")).toBe("AbC-123_xyz");
    expect(sessionIdFromCookie("JSESSIONID", "8F3A9C2B1D4E.app1")).toBe("8F3A9C2B1D4E");
    expect(sessionIdFromCookie("SESSION", Buffer.from("0f3c1b6e-2a4d-4e8f-9a7b-1c2d3e4f5a6b").toString("base64"))).toBe(
      "0f3c1b6e-2a4d-4e8f-9a7b-1c2d3e4f5a6b",
    );
    expect(sessionIdFromCookie("PHPSESSID", "abc123")).toBe("abc123");
  });
});

describe("Sentinel", () => {
  it("finds the current master through a real sentinel", async () => {
    const master = await redis();
    await writeSessions(master.url, { count: 5 });
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const conf = join(mkdtempSync(join(tmpdir(), "sentinel-")), "sentinel.conf");
    writeFileSync(
      conf,
      `sentinel monitor mymaster 127.0.0.1 ${master.port} 1\nsentinel down-after-milliseconds mymaster 5000\n`,
    );
    const sentinelPort = await freePort();
    const proc = await startSentinel(conf, sentinelPort);
    try {
      const out = await runProbe(redisSessionsProbe, { redis: `redis+sentinel://127.0.0.1:${sentinelPort}/mymaster` });
      expect(out.status).toBe("ok");
      expect(out.facts["session-layout"]).toBe("connect-redis");
      expect(finding(out, "layout").summary).toMatch(/^all 5 session keys/);
    } finally {
      proc.kill();
    }
  });
});

describe("Cluster", () => {
  it("samples the session keys on every master", async () => {
    const nodes = await Promise.all(
      [0, 1, 2].map(() => redis(["--cluster-enabled", "yes", "--cluster-node-timeout", "2000"])),
    );
    const { execFileSync } = await import("node:child_process");
    execFileSync("redis-cli", ["--cluster", "create", ...nodes.map((n) => `127.0.0.1:${n.port}`), "--cluster-yes"], {
      stdio: "ignore",
    });
    for (const n of nodes) {
      await admin(n.url, async (r) => {
        for (let i = 0; i < 100 && !(await r.cluster("INFO")).includes("cluster_state:ok"); i++)
          await new Promise((res) => setTimeout(res, 100));
      });
    }
    const { Cluster } = await import("ioredis");
    const writer = new Cluster([{ host: "127.0.0.1", port: nodes[0]!.port }]);
    for (let i = 0; i < 60; i++) await writer.set(`sess:cluster-${i}`, JSON.stringify({ cookie: {} }), "EX", 1800);
    writer.disconnect();

    const target = { redis: `redis+cluster://127.0.0.1:${nodes[0]!.port}` };
    const out = await runProbe(redisSessionsProbe, target);
    expect(out.status).toBe("ok");
    expect(finding(out, "layout").summary).toMatch(/^all 60 session keys of connect-redis/);
    // A cluster-aware client spreads the sessions over the masters by slot.
    expect(finding(out, "sessions-spread").data).toMatchObject({ holding: 3, masters: 3 });
    expect(weightFor(redisSessionsProbe, out, "sessions-spread", "store-cluster-mode")).toBe(-0.6);

    // A plain client on one node writes only the keys of that node's slots; the rest are answered MOVED.
    for (const n of nodes) await admin(n.url, (r) => r.flushall());
    const plain = new Redis(nodes[0]!.url);
    let written = 0;
    for (let i = 0; i < 60; i++)
      written += await plain.set(`sess:plain-${i}`, "{}", "EX", 1800).then(
        () => 1,
        () => 0,
      );
    plain.disconnect();
    const one = await runProbe(redisSessionsProbe, target);
    expect(finding(one, "sessions-on-one-master").data).toMatchObject({ sessions: written, masters: 3 });
    expect(weightFor(redisSessionsProbe, one, "sessions-on-one-master", "store-cluster-mode")).toBe(0.85);
  });
});

async function startSentinel(conf: string, port: number) {
  const { spawn } = await import("node:child_process");
  const child = spawn("redis-server", [conf, "--sentinel", "--port", String(port), "--bind", "127.0.0.1"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  await new Promise<void>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`sentinel did not start: ${out}`)), 10_000);
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("+monitor master")) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return child;
}

/** The ACL SETUSER command documented in the README: the test runs exactly what users are told to run. */
const README_ACL = /ACL SETUSER sessprobe[^`]*/.exec(
  readFileSync(new URL("../../README.md", import.meta.url), "utf8"),
)![0];
