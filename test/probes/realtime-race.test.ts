import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import {
  engineError,
  openPacket,
  pollUntilHeld,
  readPoll,
  realtimeFindings,
  type PollResult,
} from "../../src/probes/http/realtime-probe.js";
import { parallelFindings, reissuesOf } from "../../src/probes/http/parallel-probe.js";
import { httpContinuityProbe, httpParallelProbe, httpRealtimeProbe } from "../../src/probes/http/index.js";
import { redisInfoProbe, redisWritesProbe } from "../../src/probes/redis/index.js";
import { commandMix, writeFindings } from "../../src/probes/redis/writes-probe.js";
import { parseInfo } from "../../src/probes/redis/info.js";
import { Handoff } from "../../src/probes/types.js";
import { finding, runProbe, weightFor } from "../helpers/probe-context.js";
import { startRedis, type RedisServer } from "../helpers/redis.js";
import { startApp, startHaproxy, type Running } from "../helpers/servers.js";

const answer = (status: number, body: string) => ({ status, body: Buffer.from(body) });

describe("engine.io long polling, read", () => {
  it("takes the sid from an open packet of protocol 4 or 3, and nothing else", () => {
    expect(openPacket('0{"sid":"abc","upgrades":["websocket"],"pingInterval":25000}')).toEqual({
      sid: "abc",
      upgrades: ["websocket"],
    });
    expect(openPacket('96:0{"sid":"x3","upgrades":[],"pingInterval":25000}')?.sid).toBe("x3");
    expect(openPacket("<html>Cannot GET /socket.io/</html>")).toBeUndefined();
    expect(openPacket('0{"upgrades":[]}')).toBeUndefined();
  });

  it("tells a node that does not know the sid from other answers", () => {
    expect(readPoll(answer(400, '{"code":1,"message":"Session ID unknown"}'))).toBe("unknown-sid");
    expect(readPoll(answer(200, "2"))).toBe("answered");
    expect(readPoll(answer(400, '{"code":3,"message":"Bad request"}'))).toBe("other");
    expect(readPoll(answer(502, "bad gateway"))).toBe("other");
    expect(engineError(answer(400, '{"code":0,"message":"Transport unknown"}'))).toEqual({
      code: 0,
      message: "Transport unknown",
    });
    expect(engineError(answer(200, '{"code":1,"message":"x"}'))).toBeUndefined();
  });

  it("stops at the first held poll (it ended the transport session) and at most at the limit", async () => {
    const scripted = (results: PollResult[]) => {
      let i = 0;
      return () => Promise.resolve(results[i++]!);
    };
    expect(await pollUntilHeld(scripted(["unknown-sid", "held", "unknown-sid"]), 4)).toEqual(["unknown-sid", "held"]);
    expect(await pollUntilHeld(scripted(["answered", "answered", "answered", "answered", "held"]), 4)).toHaveLength(4);
    expect(await pollUntilHeld(scripted(["other", "held"]), 4)).toEqual(["other"]);
  });

  it("reports polls that reached another node, and says when a pass may be chance", () => {
    const lost = realtimeFindings("http://lb/socket.io/", ["unknown-sid", "held"], false);
    expect(lost.findings[0]!.id).toBe("transport-session-unknown");
    expect(lost.findings[0]!.summary).toContain("1 of 2 polls (✗✓) right after a socket.io handshake");
    expect(lost.facts).toEqual({ "realtime-sticky": "no" });
    const lucky = realtimeFindings("http://lb/socket.io/", ["held", "held", "held"], false, 3);
    expect(lucky.findings[0]!.id).toBe("transport-session-holds");
    expect(lucky.findings[0]!.summary).toContain("or this was chance");
    expect(lucky.facts).toEqual({});
    expect(realtimeFindings("http://lb/socket.io/", ["held"], true).facts).toEqual({ "realtime-sticky": "yes" });
  });
});

describe("parallel answers and the session cookie", () => {
  const flask = (v: string) => `session=${v}; Expires=Thu, 26 Nov 2026 23:00:00 GMT; HttpOnly; Path=/`;
  const signed = "eyJ1c2VyIjoicHJvYmUifQ.aSd1Ag.Xq3w5bVb8lY2p8zj2mJ3q0n1c9Q";

  it("a re-issued cookie that carries the session lets a read undo a change", () => {
    const r = reissuesOf("session", signed, [[flask(signed)], [flask(signed)], [flask(signed)]]);
    expect(r).toEqual({ requests: 3, reissued: 3, distinct: 0, carried: true });
    expect(parallelFindings("session", r)[0]!.id).toBe("reissues-session");
  });

  it("an id sent again unchanged (rolling sessions) or not at all changes nothing", () => {
    const id = "s%3Aabcdefghijklmnop.signature0123456789";
    const rolling = reissuesOf("connect.sid", id, [[`connect.sid=${id}; Path=/`], [], ["other=1"]]);
    expect(rolling).toEqual({ requests: 3, reissued: 1, distinct: 0, carried: false });
    expect(parallelFindings("connect.sid", rolling)[0]!.id).toBe("session-left-alone");
  });

  it("different ids for one session's parallel requests fork it", () => {
    const r = reissuesOf("PHPSESSID", "a1", [["PHPSESSID=b2; path=/"], ["PHPSESSID=c3; path=/"]]);
    expect(parallelFindings("PHPSESSID", r)[0]!.id).toBe("ids-diverge");
  });
});

describe("the store's write/read mix", () => {
  const info = (stats: Record<string, number>) =>
    parseInfo(
      Object.entries(stats)
        .map(([c, n]) => `cmdstat_${c}:calls=${n},usec=1,usec_per_call=1.00,rejected_calls=0,failed_calls=0`)
        .join("\r\n"),
    );

  it("counts reads, writes and lock releases between two readings", () => {
    const mix = commandMix(info({ get: 10, set: 4, evalsha: 1 }), info({ get: 30, set: 24, setex: 2, evalsha: 1 }));
    expect(mix).toEqual({ reads: 20, writes: 22, lockReleases: 0 });
    expect(writeFindings(mix, false, 0)[0]!.id).toBe("rewrites-per-read");
  });

  it("reads a lock around every request, writes on change, and too few reads", () => {
    expect(writeFindings({ reads: 20, writes: 20, lockReleases: 21 }, false, 0)[0]!.id).toBe("locked-sessions");
    // phpredis reads the lock key too before it writes: 150 GET for 110 locked requests.
    expect(writeFindings({ reads: 150, writes: 98, lockReleases: 110 }, false, 0)[0]!.id).toBe("locked-sessions");
    // A logout or a new id at sign-in deletes a key now and then: no lock.
    expect(writeFindings({ reads: 52, writes: 46, lockReleases: 6 }, false, 0)[0]!.id).toBe("rewrites-per-read");
    expect(writeFindings({ reads: 20, writes: 3, lockReleases: 0 }, false, 0)[0]!.id).toBe("writes-on-change");
    expect(writeFindings({ reads: 20, writes: 13, lockReleases: 0 }, false, 0)[0]!.id).toBe("writes-mixed");
    expect(writeFindings({ reads: 3, writes: 3, lockReleases: 0 }, false, 0)[0]!.id).toBe("too-few-reads");
    expect(writeFindings({ reads: 0, writes: 1, lockReleases: 0 }, false, 0)[0]!.id).toBe("too-few-reads");
    expect(writeFindings({ reads: 0, writes: 8, lockReleases: 0 }, false, 8)[0]!.id).toBe("written-never-read");
    // Writes with no new key are a job rewriting its own keys, not sessions made and never read.
    expect(writeFindings({ reads: 0, writes: 8, lockReleases: 0 }, false, 0)[0]!.id).toBe("too-few-reads");
    expect(writeFindings({ reads: 0, writes: 8, lockReleases: 0 }, false, -3)[0]!.id).toBe("too-few-reads");
    expect(writeFindings({ reads: 20, writes: 20, lockReleases: 0 }, true, 0)[0]!.summary).toContain("other clients");
  });
});

const running: Array<Running | RedisServer> = [];
afterAll(async () => {
  await Promise.all(running.map((r) => r.stop()));
});

async function cluster(env: Record<string, string>, sticky = false, store?: RedisServer) {
  const nodes = await Promise.all(
    ["n1", "n2"].map((name) =>
      startApp({ NODE_NAME: name, ...(store ? { STORE: "redis", REDIS_URL: store.url } : {}), ...env }),
    ),
  );
  const lb = await startHaproxy(
    nodes.map((n, i) => ({ port: n.port, name: `n${i + 1}` })),
    { sticky },
  );
  running.push(...nodes, lb);
  return { url: lb.url, nodes: nodes.map((n) => n.url), sessionPath: "/login", checkPath: "/me" };
}

describe("real socket.io behind a real HAProxy", () => {
  it("round robin sends polls to the node that did not open the connection: realtime-affinity", async () => {
    const targets = await cluster({ REALTIME: "1" });
    const out = await runProbe(httpRealtimeProbe, targets);
    expect(out.status).toBe("ok");
    const f = finding(out, "transport-session-unknown");
    expect(f.summary).toMatch(/^1 of 2 polls \(✗✓\) right after a socket.io handshake/);
    expect(out.facts).toEqual({ "realtime-sticky": "no" });
    expect(weightFor(httpRealtimeProbe, out, "transport-session-unknown", "realtime-affinity")).toBe(0.9);
  });

  it("a cookie-sticky balancer keeps every poll on its node", async () => {
    const targets = await cluster({ REALTIME: "1" }, true);
    const out = await runProbe(httpRealtimeProbe, targets);
    expect(finding(out, "transport-session-holds").data).toMatchObject({ affinityCookie: true, handshakes: 1 });
    expect(weightFor(httpRealtimeProbe, out, "transport-session-holds", "realtime-affinity")).toBe(-0.6);
  });

  it("WebSocket only, and no socket.io at all", async () => {
    const ws = await cluster({ REALTIME: "1", REALTIME_TRANSPORTS: "websocket" });
    expect((await runProbe(httpRealtimeProbe, ws)).findings.map((f) => f.id)).toEqual(["websocket-only"]);
    const none = await runProbe(httpRealtimeProbe, ws, { params: { path: "/nothing/" } });
    expect(none.status).toBe("partial");
    expect(finding(none, "no-realtime-endpoint").data).toEqual({ status: 404, given: true });
  });
});

describe("express-session's writes, measured in a real Redis", () => {
  async function mix(env: Record<string, string>) {
    const store = await startRedis();
    running.push(store);
    const targets = await cluster(env, false, store);
    const handoff = new Handoff();
    await runProbe(redisInfoProbe, { redis: store.url }, { handoff });
    const parallel = await runProbe(httpParallelProbe, targets, { params: { requests: 4 } });
    expect(finding(parallel, "session-left-alone").summary).toMatch(/^none of 4 parallel requests/);
    const cookie = await signIn(targets.url);
    for (let i = 0; i < 12; i++) await fetch(`${targets.url}/me`, { headers: { cookie } });
    return runProbe(redisWritesProbe, { redis: store.url }, { handoff });
  }

  async function signIn(base: string) {
    const res = await fetch(`${base}/login`);
    return res.headers.getSetCookie()[0]!.split(";")[0]!;
  }

  it("resave: true writes every loaded session back, with no lock", async () => {
    const out = await mix({ RESAVE: "1" });
    expect(finding(out, "rewrites-per-read").data).toMatchObject({ locked: false });
    expect(out.facts).toEqual({ "session-locking": "no" });
    expect(
      weightFor(redisWritesProbe, out, "rewrites-per-read", "concurrent-write-race", { symptom: "lost-updates" }),
    ).toBe(0.5);
    expect(
      weightFor(redisWritesProbe, out, "rewrites-per-read", "concurrent-write-race", { symptom: "random-logout" }),
    ).toBe(0.15);
  });

  it("a Secure cookie withheld behind a proxy the app does not trust: sessions written, never read back", async () => {
    const store = await startRedis();
    const nodes = await Promise.all(
      ["n1", "n2"].map((name) =>
        startApp({ NODE_NAME: name, STORE: "redis", REDIS_URL: store.url, COOKIE_SECURE: "1" }),
      ),
    );
    const lb = await startHaproxy(
      nodes.map((n, i) => ({ port: n.port, name: `n${i + 1}` })),
      { forwardedProto: "https" },
    );
    running.push(store, ...nodes, lb);
    const handoff = new Handoff();
    await runProbe(redisInfoProbe, { redis: store.url }, { handoff });
    const targets = { url: lb.url, sessionPath: "/login", checkPath: "/me" };
    // Two sign-ins, as the diagnosis' other probes of the URL sign in too.
    await runProbe(httpContinuityProbe, targets);
    const continuity = await runProbe(httpContinuityProbe, targets, { handoff });
    expect(finding(continuity, "no-session").summary).toMatch(/signing in set no session cookie$/);
    expect(continuity.facts).toEqual({ "session-cookie-set": "no" });
    const out = await runProbe(redisWritesProbe, { redis: store.url }, { handoff });
    expect(finding(out, "written-never-read").summary).toMatch(
      /^\d+ SET\/SETEX, \d+ new keys and not one GET of a string value/,
    );
    expect(weightFor(redisWritesProbe, out, "written-never-read", "cookie-attributes", continuity.facts)).toBe(0.6);
    // Where signing in did set a cookie, writes with no read say nothing about its attributes.
    expect(weightFor(redisWritesProbe, out, "written-never-read", "cookie-attributes")).toBeUndefined();
  });

  it("a sign-in path that makes no session, beside a job rewriting its own key: no session was made unread", async () => {
    const store = await startRedis();
    running.push(store);
    const targets = { ...(await cluster({}, false, store)), sessionPath: "/health" };
    const handoff = new Handoff();
    await runProbe(redisInfoProbe, { redis: store.url }, { handoff });
    const job = new Redis(store.url);
    const writing = setInterval(() => void job.set("job:heartbeat", String(Date.now())), 50);
    try {
      const continuity = await runProbe(httpContinuityProbe, targets, { handoff });
      expect(continuity.facts).toEqual({ "session-cookie-set": "no" });
      await new Promise((resolve) => setTimeout(resolve, 200));
      const out = await runProbe(redisWritesProbe, { redis: store.url }, { handoff });
      expect(out.findings.map((f) => f.id)).toEqual(["too-few-reads"]);
      expect(finding(out, "too-few-reads").data).toMatchObject({ reads: 0 });
      expect(out.facts).toEqual({});
    } finally {
      clearInterval(writing);
      job.disconnect();
    }
  });

  it("resave: false writes only sessions that changed", async () => {
    const out = await mix({});
    expect(finding(out, "writes-on-change").summary).toMatch(/writes per read\), so a request that only reads/);
    expect(weightFor(redisWritesProbe, out, "writes-on-change", "concurrent-write-race")).toBe(-0.4);
  });
});
