import { Redis } from "ioredis";
import { connect, type Socket } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { redisInfoProbe, redisLookupProbe, redisSessionsProbe } from "../../src/probes/redis/index.js";
import { ONE_MASTER_MIN_SESSIONS, spreadOf, type MasterSessions } from "../../src/probes/redis/spread.js";
import { Handoff } from "../../src/probes/types.js";
import { finding, runProbe, weightFor } from "../helpers/probe-context.js";
import { startRedis, type RedisServer } from "../helpers/redis.js";
import { writeCacheKeys, writeSessions } from "../helpers/sessions.js";
import { withRedis } from "../../src/lab/stores/admin.js";

// The findings behind store-wipe, store-connectivity, store-cluster-mode and the volatile-* case of store-capacity,
// read from real redis-server instances.
const servers: RedisServer[] = [];
const sockets: Socket[] = [];
async function redis(args: string[] = []) {
  const s = await startRedis(args);
  servers.push(s);
  return s;
}
afterAll(async () => {
  sockets.forEach((s) => s.destroy());
  await Promise.all(servers.map((s) => s.stop()));
});

const ids = (out: { findings: Array<{ id: string }> }) => out.findings.map((f) => f.id);

describe("store-wipe", () => {
  it("a store just started without persistence is a hint, and its clean flush counter examines the rest", async () => {
    const { url } = await redis();
    await writeSessions(url, { count: 5 });
    const info = await runProbe(redisInfoProbe, { redis: url });
    expect(finding(info, "restarted-recently").summary).toMatch(/with no persistence/);
    expect(finding(info, "no-flushes").data).toMatchObject({ restarted: true });
    const symptom = (s: string) => ({ symptom: s });
    expect(weightFor(redisInfoProbe, info, "restarted-recently", "store-wipe", symptom("random-logout"))).toBe(0.15);
    expect(weightFor(redisInfoProbe, info, "restarted-recently", "store-wipe", symptom("lost-after-failover"))).toBe(
      0.5,
    );
    expect(weightFor(redisInfoProbe, info, "no-flushes", "store-wipe")).toBe(-0.15);
    // A store the nodes' sessions are not in (a cache beside node-local sessions) wiped none of them.
    const elsewhere = { ...symptom("lost-after-failover"), "sessions-in-store": "no" };
    expect(weightFor(redisInfoProbe, info, "restarted-recently", "store-wipe", elsewhere)).toBeUndefined();
  });

  it("a restart without persistence more recent than the sessions live: those signed in before lost them", async () => {
    const { url } = await redis();
    await writeSessions(url, { count: 5, ttl: 1800 });
    const handoff = new Handoff();
    const info = await runProbe(redisInfoProbe, { redis: url }, { handoff });
    expect(info.facts["store-lost-at-restart"]).toBe("yes");
    const sessions = await runProbe(redisSessionsProbe, { redis: url }, { handoff, facts: info.facts });
    expect(finding(sessions, "restart-within-lifetime").summary).toMatch(
      /^the store restarted without persistence \d+s ago, within the 30m its sessions live: every session signed in before the restart was still valid/,
    );
    const on = (symptom: string) => ({ ...info.facts, symptom });
    expect(
      weightFor(redisSessionsProbe, sessions, "restart-within-lifetime", "store-wipe", on("lost-after-deploy")),
    ).toBe(0.85);
    expect(weightFor(redisSessionsProbe, sessions, "restart-within-lifetime", "store-wipe", on("random-logout"))).toBe(
      0.15,
    );
    // Hours ago, the restart may be an earlier event than the one users complain of; and a store the nodes' sessions
    // are not in lost none of theirs.
    const hoursAgo = {
      ...sessions,
      findings: sessions.findings.map((f) =>
        f.id === "restart-within-lifetime" ? { ...f, data: { ...f.data, uptimeSeconds: 7200 } } : f,
      ),
    };
    expect(
      weightFor(redisSessionsProbe, hoursAgo, "restart-within-lifetime", "store-wipe", on("lost-after-deploy")),
    ).toBe(0.4);
    const elsewhere = { ...on("lost-after-deploy"), "sessions-in-store": "no" };
    expect(weightFor(redisSessionsProbe, sessions, "restart-within-lifetime", "store-wipe", elsewhere)).toBeUndefined();
  });

  it("a restart longer ago than the sessions live cost no session that would still be valid", async () => {
    const { url } = await redis();
    await new Promise((res) => setTimeout(res, 3_000));
    await writeSessions(url, { count: 5, ttl: 2 });
    const handoff = new Handoff();
    const info = await runProbe(redisInfoProbe, { redis: url }, { handoff });
    expect(info.facts["store-lost-at-restart"]).toBe("yes");
    const sessions = await runProbe(redisSessionsProbe, { redis: url }, { handoff, facts: info.facts });
    expect(sessions.findings.map((f) => f.id)).toContain("ttl-short");
    expect(sessions.findings.map((f) => f.id)).not.toContain("restart-within-lifetime");
  });

  it("a store that keeps RDB snapshots came back with its sessions: no restart loses them", async () => {
    const { url } = await redis(["--save", "3600 1"]);
    await writeSessions(url, { count: 5, ttl: 1800 });
    const handoff = new Handoff();
    const info = await runProbe(redisInfoProbe, { redis: url }, { handoff });
    expect(info.facts["store-lost-at-restart"]).toBe("no");
    const sessions = await runProbe(redisSessionsProbe, { redis: url }, { handoff, facts: info.facts });
    expect(sessions.findings.map((f) => f.id)).not.toContain("restart-within-lifetime");
  });

  it("where CONFIG is refused, keys loaded from a snapshot at the start say the store kept its data", async () => {
    const { url } = await redis(["--rename-command", "CONFIG", "", "--enable-debug-command", "yes"]);
    await writeSessions(url, { count: 5, ttl: 1800 });
    const blind = await runProbe(redisInfoProbe, { redis: url });
    expect(ids(blind)).toContain("restarted-recently");
    // Saved and loaded again, as a restart of a store that keeps snapshots does.
    await withRedis(url, (r) => r.call("DEBUG", "RELOAD"));
    const info = await runProbe(redisInfoProbe, { redis: url });
    expect(ids(info)).not.toContain("restarted-recently");
    expect(info.facts["store-lost-at-restart"]).toBe("no");
  });

  it("a store that persists (AOF) and was never flushed rules a wipe out", async () => {
    const { url } = await redis(["--appendonly", "yes"]);
    const info = await runProbe(redisInfoProbe, { redis: url });
    expect(ids(info)).not.toContain("restarted-recently");
    expect(finding(info, "no-flushes").data).toMatchObject({ restarted: false });
    expect(weightFor(redisInfoProbe, info, "no-flushes", "store-wipe")).toBe(-0.5);
  });

  it("a replica just started without persistence copied its master's sessions: no wipe", async () => {
    const master = await redis(["--repl-diskless-sync-delay", "0"]);
    await writeSessions(master.url, { count: 5 });
    const replica = await redis(["--replicaof", "127.0.0.1", String(master.port)]);
    await withRedis(replica.url, async (r) => {
      for (let i = 0; i < 50 && (await r.dbsize()) < 5; i++) await new Promise((res) => setTimeout(res, 100));
      expect(await r.dbsize()).toBe(5);
    });
    const info = await runProbe(redisInfoProbe, { redis: replica.url });
    expect(ids(info)).toContain("store-is-replica");
    expect(ids(info)).not.toContain("restarted-recently");
    expect(finding(info, "no-flushes").data).toMatchObject({ restarted: false });
  });

  it("a flush of another database moves the server-wide counter but does not empty the sessions' database", async () => {
    const { url } = await redis();
    await writeSessions(url, { count: 20 });
    await writeCacheKeys(`${url}/1`, 50, 100);
    const handoff = new Handoff();
    const info = await runProbe(redisInfoProbe, { redis: url }, { handoff });
    expect(ids(info)).toContain("no-flushes");
    await withRedis(`${url}/1`, (r) => r.flushdb());
    const sessions = await runProbe(redisSessionsProbe, { redis: url }, { handoff });
    const now = finding(sessions, "flush-now");
    expect(now.data).toMatchObject({ flushes: 1, emptied: false });
    expect(now.summary).toMatch(/the keys here did not fall/);
    expect(weightFor(redisSessionsProbe, sessions, "flush-now", "store-wipe")).toBe(0.3);
    const later = new Handoff();
    const after = await runProbe(redisInfoProbe, { redis: url }, { handoff: later });
    // Server-wide, cumulative, and a client chose another database: a hint, not even a piece, whatever users saw.
    for (const symptom of ["random-logout", "lost-after-deploy"])
      expect(weightFor(redisInfoProbe, after, "flushes-since-start", "store-wipe", { symptom })).toBe(0.15);
    expect(finding(after, "flushes-since-start").data).toMatchObject({ flushes: 1, onSessionsDb: 0 });
    // A client chose database 1: even on a server younger than the sessions live, the flush is not timed as theirs.
    const timed = await runProbe(redisSessionsProbe, { redis: url }, { handoff: later, facts: after.facts });
    expect(ids(timed)).not.toContain("flush-within-lifetime");
  });

  it("a FLUSHDB where no client ever chose another database, on a server younger than the sessions live", async () => {
    const { url } = await redis(["--save", "3600 1"]);
    await writeSessions(url, { count: 5, ttl: 1800 });
    await withRedis(url, (r) => r.flushdb());
    await writeSessions(url, { count: 5, ttl: 1800 });
    const handoff = new Handoff();
    const info = await runProbe(redisInfoProbe, { redis: url }, { handoff });
    expect(finding(info, "flushes-since-start").summary).toMatch(
      /^FLUSHDB\/FLUSHALL ran 1 times since the last restart \(\d+s ago\): each emptied the sessions' database/,
    );
    // Untimed, the counter alone is a piece.
    expect(weightFor(redisInfoProbe, info, "flushes-since-start", "store-wipe", { symptom: "lost-after-deploy" })).toBe(
      0.45,
    );
    const sessions = await runProbe(redisSessionsProbe, { redis: url }, { handoff, facts: info.facts });
    expect(finding(sessions, "flush-within-lifetime").summary).toMatch(
      /^FLUSHDB\/FLUSHALL emptied the sessions' database once since the store started \d+s ago, within the 30m its sessions live/,
    );
    const on = (symptom: string) => ({ ...info.facts, symptom });
    expect(
      weightFor(redisSessionsProbe, sessions, "flush-within-lifetime", "store-wipe", on("lost-after-deploy")),
    ).toBe(0.85);
    expect(weightFor(redisSessionsProbe, sessions, "flush-within-lifetime", "store-wipe", on("random-logout"))).toBe(
      0.15,
    );
    // Once a client chooses another database, a FLUSHDB may have been its; a FLUSHALL empties them all regardless.
    await withRedis(`${url}/2`, (r) => r.ping());
    const chosen = new Handoff();
    const ambiguous = await runProbe(redisInfoProbe, { redis: url }, { handoff: chosen });
    expect(finding(ambiguous, "flushes-since-start").data).toMatchObject({ flushes: 1, onSessionsDb: 0 });
    expect(ids(await runProbe(redisSessionsProbe, { redis: url }, { handoff: chosen }))).not.toContain(
      "flush-within-lifetime",
    );
    await withRedis(`${url}/2`, (r) => r.flushall());
    await writeSessions(url, { count: 5, ttl: 1800 });
    const all = new Handoff();
    await runProbe(redisInfoProbe, { redis: url }, { handoff: all });
    expect(
      finding(await runProbe(redisSessionsProbe, { redis: url }, { handoff: all }), "flush-within-lifetime").data,
    ).toMatchObject({ flushes: 1 });
  });
});

describe("store-wipe, counters a reset cleared", () => {
  it("a FLUSHDB by a pooled connection that chose its database before CONFIG RESETSTAT is not the sessions'", async () => {
    const { url } = await redis(["--save", "3600 1"]);
    const pooled = new Redis(`${url}/1`);
    try {
      await pooled.set("cache:page", "x");
      await withRedis(url, (r) => r.config("RESETSTAT"));
      await pooled.flushdb();
      await writeSessions(url, { count: 5, ttl: 1800 });
      const handoff = new Handoff();
      const info = await runProbe(redisInfoProbe, { redis: url }, { handoff });
      // No SELECT counted since the reset, yet the flush was database 1's.
      expect(finding(info, "flushes-since-start").data).toMatchObject({ flushes: 1, onSessionsDb: 0 });
      const sessions = await runProbe(redisSessionsProbe, { redis: url }, { handoff, facts: info.facts });
      expect(ids(sessions)).not.toContain("flush-within-lifetime");
    } finally {
      pooled.disconnect();
    }
  });
});

describe("store-connectivity", () => {
  async function hold(port: number, count: number) {
    for (let i = 0; i < count; i++)
      sockets.push(
        await new Promise<Socket>((resolve, reject) => {
          const s = connect(port, "127.0.0.1", () => resolve(s));
          s.on("error", reject);
        }),
      );
  }

  it("many clients well below maxclients, none refused: the server accepts every connection", async () => {
    const server = await redis(["--maxclients", "100"]);
    await hold(server.port, 40);
    const info = await runProbe(redisInfoProbe, { redis: server.url });
    const f = finding(info, "clients");
    expect(f.summary).toMatch(/^4\d clients connected of maxclients 100, none refused/);
    expect(weightFor(redisInfoProbe, info, "clients", "store-connectivity")).toBe(-0.25);
  });

  it("a pool that fills maxclients is seen as clients near the limit and refused connections", async () => {
    const server = await redis(["--maxclients", "10"]);
    await hold(server.port, 9);
    // The probe's own connection is the tenth; the next one is refused.
    const refused = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    refused.on("error", () => {});
    await hold(server.port, 1);
    await refused.connect().catch(() => undefined);
    await refused.ping().catch(() => undefined);
    refused.disconnect();
    sockets.pop()!.destroy();
    const info = await runProbe(redisInfoProbe, { redis: server.url });
    expect(ids(info)).toContain("clients-near-max");
    expect(ids(info)).toContain("rejected-connections-since-start");
    expect(ids(info)).not.toContain("clients");
    expect(weightFor(redisInfoProbe, info, "clients-near-max", "store-connectivity")).toBe(0.4);
  });
});

describe("connections during the diagnosis", () => {
  async function churn(url: string, count: number) {
    for (let i = 0; i < count; i++) await withRedis(url, (r) => r.ping());
  }

  it("clients that connect per request or keep reconnecting show as churn between the two readings", async () => {
    const { url } = await redis();
    await writeSessions(url, { count: 5 });
    const handoff = new Handoff();
    await runProbe(redisInfoProbe, { redis: url }, { handoff });
    await churn(url, 40);
    const out = await runProbe(redisSessionsProbe, { redis: url }, { handoff });
    const f = finding(out, "connection-churn");
    expect(Number(f.data!.connections)).toBeGreaterThanOrEqual(37);
    // PHP without persistent connections does this all day: a hint, not a piece.
    expect(weightFor(redisSessionsProbe, out, "connection-churn", "store-connectivity")).toBe(0.15);
  });

  it("a client that keeps its connection causes none", async () => {
    const { url } = await redis();
    await writeSessions(url, { count: 5 });
    const handoff = new Handoff();
    await runProbe(redisInfoProbe, { redis: url }, { handoff });
    const out = await runProbe(redisSessionsProbe, { redis: url }, { handoff });
    expect(ids(out)).not.toContain("connection-churn");
    expect(ids(out)).toContain("counters-steady");
  });
});

describe("store-capacity under volatile-*", () => {
  it("session keys without a TTL under volatile-lru can never be evicted", async () => {
    const { url } = await redis(["--maxmemory", "50mb", "--maxmemory-policy", "volatile-lru"]);
    await withRedis(url, async (r) => {
      for (let i = 0; i < 20; i++) await r.set(`sess:no-ttl-${i}`, JSON.stringify({ cookie: {}, user: "u" }));
    });
    const out = await runProbe(redisSessionsProbe, { redis: url });
    const f = finding(out, "volatile-without-ttl");
    expect(f.summary).toMatch(/^20 of 20 session keys have no TTL under volatile-lru, which evicts only keys with one/);
    // Far from the limit: a piece; at the limit the same keys are what fills it.
    expect(weightFor(redisSessionsProbe, out, "volatile-without-ttl", "store-capacity")).toBe(0.45);
  });

  it("sessions with a TTL under volatile-lru are what the policy expects", async () => {
    const { url } = await redis(["--maxmemory", "50mb", "--maxmemory-policy", "volatile-lru"]);
    await writeSessions(url, { count: 20 });
    expect(ids(await runProbe(redisSessionsProbe, { redis: url }))).not.toContain("volatile-without-ttl");
  });
});

describe("store-cluster-mode: sessions on the masters of a cluster", () => {
  it("a store that is not a cluster rules it out", async () => {
    const { url } = await redis();
    const info = await runProbe(redisInfoProbe, { redis: url });
    expect(info.facts["store-cluster"]).toBe("no");
    expect(weightFor(redisInfoProbe, info, "not-cluster", "store-cluster-mode")).toBe(-0.6);
  });

  const master = (name: string, sessions: number, complete = true, hashTagged = 0, tags = 0): MasterSessions => ({
    master: name,
    sessions,
    complete,
    hashTagged,
    tags,
  });

  it("every session on one master, the others scanned and empty: the client does not follow the slots", () => {
    const spread = spreadOf([master("a", 12), master("b", 0), master("c", 0)]);
    expect(spread).toEqual({ kind: "one-master", on: "a", sessions: 12 });
    // A tag per session spreads them as untagged keys would: all on one master is the same fault.
    expect(spreadOf([master("a", 30, true, 30, 30), master("b", 0), master("c", 0)])).toMatchObject({
      kind: "one-master",
    });
  });

  it("sessions on two masters: the client follows the slots", () => {
    expect(spreadOf([master("a", 5), master("b", 1), master("c", 0)])).toEqual({ kind: "spread", on: 2 });
  });

  it("sessions under one hash tag on one master are where their slot is: concentrated, not lost", () => {
    expect(spreadOf([master("a", 30, true, 30, 1), master("b", 0), master("c", 0)])).toEqual({
      kind: "one-slot",
      on: "a",
      sessions: 30,
    });
  });

  it("says nothing where chance, a few tags or an unfinished scan could explain one master", () => {
    expect(spreadOf([master("a", ONE_MASTER_MIN_SESSIONS - 1), master("b", 0)])).toBeUndefined();
    expect(spreadOf([master("a", 30, true, 30, 3), master("b", 0)])).toBeUndefined();
    expect(spreadOf([master("a", 30, true, 26, 1), master("b", 0)])).toBeUndefined();
    expect(spreadOf([master("a", ONE_MASTER_MIN_SESSIONS - 1, true, 7, 1), master("b", 0)])).toBeUndefined();
    expect(spreadOf([master("a", 30, true, 30, 1), master("b", 0, false)])).toBeUndefined();
    expect(spreadOf([master("a", 30), master("b", 0, false)])).toBeUndefined();
    expect(spreadOf([master("a", 30)])).toBeUndefined();
  });
});

describe("where the nodes' sessions are kept", () => {
  const sessionOn = (node: number, value: string) => ({ node: `http://127.0.0.1:${node}/`, name: "app.sid", value });
  const lookup = async (url: string, sessions: ReturnType<typeof sessionOn>[]) => {
    const handoff = new Handoff();
    handoff.set("node-sessions", sessions);
    return runProbe(redisLookupProbe, { redis: url }, { handoff });
  };

  it("two keys of one session under one namespace (Spring Session's expires key) are one prefix", async () => {
    const { url } = await redis();
    const id = "4f1c2a9e-7b3d-4e8a-9c21-0d5e6f7a8b9c";
    await withRedis(url, async (r) => {
      await r.set(`shop:sessions:${id}`, "{}", "EX", 1800);
      await r.set(`shop:sessions:expires:${id}`, "", "EX", 1800);
    });
    const out = await lookup(url, [sessionOn(1, id), sessionOn(2, id)]);
    expect(ids(out)).not.toContain("prefixes-differ");
    expect(ids(out)).toContain("in-store");
  });

  it("one id under two unrelated prefixes (an app that adopts ids it does not know) is told", async () => {
    const { url } = await redis();
    const id = "a8c3e51f9d0b4c7e8f2a6b1d3e5f7a9c";
    await withRedis(url, async (r) => {
      await r.set(`shop_a_sess:${id}`, "x", "EX", 1800);
      await r.set(`shop_b_sess:${id}`, "x", "EX", 1800);
    });
    const out = await lookup(url, [sessionOn(1, id), sessionOn(2, id)]);
    expect(finding(out, "prefixes-differ").data).toEqual({ prefixes: 2 });
  });
});
