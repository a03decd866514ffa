import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_HTTP_LIMITS, HttpClient } from "../../src/probes/http/client.js";
import { httpWorkersProbe } from "../../src/probes/http/index.js";
import { createPolicy } from "../../src/probes/http/policy.js";
import { movedBetweenNodes, patternOf } from "../../src/probes/http/workers-probe.js";
import { finding, runProbe, weightFor } from "../helpers/probe-context.js";
import { startRedis, type RedisServer } from "../helpers/redis.js";
import { startApp, type Running } from "../helpers/servers.js";

const running: Array<Running | RedisServer> = [];
afterAll(async () => {
  await Promise.all(running.map((r) => r.stop()));
});

async function node(env: Record<string, string>) {
  const app = await startApp({ NODE_NAME: "n1", ...env });
  running.push(app);
  return { app, targets: { nodes: [app.url], sessionPath: "/login", checkPath: "/me" } };
}

describe("a node's answers to its own session, in order", () => {
  it("are read as kept, per process, dropped or never signed in", () => {
    expect(patternOf(["signed-in", "signed-in", "signed-in"])).toBe("kept");
    expect(patternOf(["signed-in", "anonymous", "signed-in"])).toBe("per-process");
    // Created on a worker the first request did not reach.
    expect(patternOf(["anonymous", "signed-in", "signed-in"])).toBe("per-process");
    expect(patternOf(["signed-in", "signed-in", "anonymous", "anonymous"])).toBe("dropped");
    expect(patternOf(["anonymous", "anonymous"])).toBe("never");
    // The app's errors are neither.
    expect(patternOf(["signed-in", "error", "signed-in"])).toBe("kept");
    expect(patternOf(["error", "error"])).toBe("unread");
  });
});

describe("a session lost through the balancer that each node keeps", () => {
  const lost = { "session-continuity": "lost", "cookie-sent": "yes", "cross-node": "not-recognised" } as const;
  it("reached another node: the user's requests did not stay on one backend", () => {
    expect(movedBetweenNodes(lost, { "process-sessions": "no" })).toBe(true);
  });
  it("says nothing when a worker, the browser or a shared store could have lost it instead", () => {
    expect(movedBetweenNodes(lost, { "process-sessions": "yes" })).toBe(false);
    expect(movedBetweenNodes(lost, {})).toBe(false);
    expect(movedBetweenNodes({ ...lost, "cookie-sent": "no" }, { "process-sessions": "no" })).toBe(false);
    expect(movedBetweenNodes({ ...lost, "cross-node": "recognised" }, { "process-sessions": "no" })).toBe(false);
    expect(movedBetweenNodes({ ...lost, "session-continuity": "holds" }, { "process-sessions": "no" })).toBe(false);
  });
});

describe.concurrent("a node asked directly on fresh connections", () => {
  it("under node's cluster module with the MemoryStore: signed in on some workers only — per-process-store", async () => {
    const { app, targets } = await node({ WORKERS: "2" });
    const out = await runProbe(httpWorkersProbe, targets, { params: { requests: 8 } });
    const f = finding(out, "per-process");
    expect(f.summary).toMatch(
      /^asked directly on 8 fresh connections .*127\.0\.0\.1:\d+ answered signed in [1-7] times and anonymous [1-7] \([✓✗]{8}\)/,
    );
    expect(f.data).toMatchObject({ nodes: 1 });
    expect(f.anomaly).toBe(true);
    expect(out.facts["process-sessions"]).toBe("yes");
    expect(weightFor(httpWorkersProbe, out, "per-process", "per-process-store")).toBe(0.9);

    // The same node through one kept-alive connection: the worker that made the session answers every time. (A pool
    // of kept-alive connections, as browsers and undici keep, spreads requests over a few workers.)
    const kept = new HttpClient(createPolicy(["127.0.0.1"]), { ...DEFAULT_HTTP_LIMITS, concurrency: 1 });
    try {
      const login = await kept.fetch(new URL("/login", app.url));
      const cookie = login.setCookies[0]!.split(";")[0]!;
      const answers = [];
      for (let i = 0; i < 6; i++)
        answers.push((await kept.fetch(new URL("/me", app.url), { headers: { cookie } })).status);
      expect(answers).toEqual([200, 200, 200, 200, 200, 200]);
    } finally {
      await kept.close();
    }
  });

  it("one process with the MemoryStore keeps its sessions: per-process-store examined and ruled out", async () => {
    const { targets } = await node({});
    const out = await runProbe(httpWorkersProbe, targets, { params: { requests: 6 } });
    expect(finding(out, "kept-on-node").summary).toMatch(
      /^every node recognised its own session on each of 6 fresh connections/,
    );
    expect(out.facts["process-sessions"]).toBe("no");
    expect(weightFor(httpWorkersProbe, out, "kept-on-node", "per-process-store")).toBe(-0.6);
  });

  it("several workers sharing a Redis store keep every session", async () => {
    const store = await startRedis();
    running.push(store);
    const { targets } = await node({ WORKERS: "2", STORE: "redis", REDIS_URL: store.url });
    const out = await runProbe(httpWorkersProbe, targets, { params: { requests: 6 } });
    expect(out.findings.map((f) => f.id)).toEqual(["kept-on-node"]);
  });

  it("an app that issues a new id on every answer is followed, not taken for lost", async () => {
    const { targets } = await node({ ROTATE: "1" });
    const out = await runProbe(httpWorkersProbe, targets, { params: { requests: 5 } });
    expect(out.findings.map((f) => f.id)).toEqual(["kept-on-node"]);
  });
});
