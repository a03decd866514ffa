import { afterAll, describe, expect, it } from "vitest";
import { Report } from "../../src/report/schema.js";
import { sessiondocAsync } from "../helpers/cli.js";
import { startRedis, type RedisServer } from "../helpers/redis.js";
import { startApp, startHaproxy, type Running } from "../helpers/servers.js";

const running: Array<Running | RedisServer> = [];
afterAll(async () => Promise.all(running.map((r) => r.stop())));

async function diagnose(envs: Array<Record<string, string>>, redisUrl: string, extra: string[] = []) {
  const nodes = await Promise.all(envs.map((e, i) => startApp({ NODE_NAME: `n${i + 1}`, ...e })));
  const lb = await startHaproxy(nodes.map((n, i) => ({ port: n.port, name: `n${i + 1}` })));
  running.push(...nodes, lb);
  const args = ["diagnose", "--url", lb.url, ...nodes.flatMap((n) => ["--node", n.url]), "--redis", redisUrl];
  const r = await sessiondocAsync([
    ...args,
    "--session-path",
    "/login",
    "--check-path",
    "/me",
    "--health-path",
    "/health",
    "--backend-header",
    "X-Backend",
    "--health-window",
    "5",
    ...extra,
    "--non-interactive",
    "--json",
  ]);
  expect(r.code, r.stderr).toBe(0);
  return Report.parse(JSON.parse(r.stdout));
}

// Each diagnosis has its own servers: they run side by side.
describe.concurrent("sessiondoc diagnose through HAProxy, the nodes and the store", () => {
  it("different secrets on the nodes: key-mismatch, from probes alone", async () => {
    const store = await startRedis();
    running.push(store);
    const report = await diagnose(
      [
        { STORE: "redis", REDIS_URL: store.url, SECRET: "alpha" },
        { STORE: "redis", REDIS_URL: store.url, SECRET: "beta" },
      ],
      store.url,
    );
    expect(report.verdict).toBe("cause-found");
    expect(report.causes[0]!.id).toBe("key-mismatch");
    expect(report.questions.find((q) => q.id === "keys-shared")).toMatchObject({ answer: "no", source: "probe" });
    expect(report.probes.length).toBeGreaterThanOrEqual(10);
    expect(report.probes.filter((p) => p.status !== "ok").map((p) => `${p.id}: ${p.status}`)).toEqual([]);
  });

  it("sessions in node memory behind round robin: lb-affinity", async () => {
    const store = await startRedis();
    running.push(store);
    const report = await diagnose([{}, {}], store.url);
    expect(report.causes[0]!.id).toBe("lb-affinity");
    expect(report.causes[0]!.confidence).toBeGreaterThan(0.9);
  });

  it("one secret, a shared store and matching TTLs: no fault found", async () => {
    const store = await startRedis();
    running.push(store);
    const env = { STORE: "redis", REDIS_URL: store.url, SECRET: "same", COOKIE_MAXAGE: "1800" };
    const report = await diagnose([env, env], store.url, ["--answer", "symptom=random-logout"]);
    expect(report.verdict, report.summary).toBe("no-fault-found");
    expect(report.questions.find((q) => q.id === "idle-timeout")).toMatchObject({ answer: "1800s", source: "probe" });
    expect(report.causes.every((c) => c.coverage.status !== "not-examined")).toBe(true);
  });

  it("the same healthy system, symptom unknown: not an all-clear, since sign-in never rotated an id to watch", async () => {
    const store = await startRedis();
    running.push(store);
    const env = { STORE: "redis", REDIS_URL: store.url, SECRET: "same", COOKIE_MAXAGE: "1800" };
    const report = await diagnose([env, env], store.url);
    expect(report.verdict).toBe("inconclusive");
    expect(report.causes.find((c) => c.id === "id-regeneration")!.coverage).toMatchObject({
      status: "not-examined",
      examined: false,
    });
    // No socket.io at /socket.io/ says nothing of real-time connections elsewhere: with no symptom, they stay open.
    expect(report.next?.reason).toBe("not examined: id-regeneration, realtime-affinity");
  });
});
