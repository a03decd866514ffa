import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine } from "../../src/engine/engine.js";
import type { Repeat } from "../../src/engine/repeat.js";
import type { Targets } from "../../src/model/targets.js";
import type { Probe, ProbeRegistry } from "../../src/probes/types.js";
import { buildReport } from "../../src/report/build.js";
import { MemoryStore } from "../../src/store/memory.js";
import { answersFrom } from "../helpers/engine.js";
import { quietLog, shipped } from "../helpers/definitions.js";
import { startRedis } from "../helpers/redis.js";
import { startApp, startHaproxy, type Running } from "../helpers/servers.js";

const parts: Array<{ stop(): Promise<void> }> = [];
let targets: Targets;
/** The stray node's health check, answered by this process: it joins the balancer's pool when this says so. */
const stray = { healthy: false };
let health: Server;

beforeAll(async () => {
  const redis = await startRedis();
  parts.push(redis);
  const env = { STORE: "redis", REDIS_URL: redis.url, SECRET: "same", COOKIE_MAXAGE: "1800" };
  const nodes = await Promise.all([startApp({ ...env, NODE_NAME: "a" }), startApp({ ...env, NODE_NAME: "b" })]);
  // A node left out of the shared store (sessions in its own memory), in the pool only while its check passes.
  const strayNode = await startApp({ NODE_NAME: "c", SECRET: "same", COOKIE_MAXAGE: "1800" });
  parts.push(...nodes, strayNode);
  health = createServer((_req, res) => res.writeHead(stray.healthy ? 200 : 503).end());
  await new Promise<void>((resolve) => health.listen(0, "127.0.0.1", resolve));
  const balancer: Running = await startHaproxy(nodes, {
    healthCheck: "/health",
    lines: [`server c 127.0.0.1:${strayNode.port} check port ${(health.address() as AddressInfo).port}`],
  });
  parts.push(balancer);
  targets = {
    url: `http://127.0.0.1:${balancer.port}/`,
    nodes: nodes.map((n) => `http://127.0.0.1:${n.port}/`),
    redis: redis.url,
    sessionPath: "/login",
    checkPath: "/me",
    healthPath: "/health",
  };
  await until(() => poolSize(), 2);
}, 60_000);

afterAll(async () => {
  health?.close();
  await Promise.all(parts.map((p) => p.stop()));
});

/** How many backends answer through the balancer, from the X-Backend header of a few requests. */
async function poolSize(): Promise<number> {
  const seen = new Set<string>();
  for (let i = 0; i < 6; i++) seen.add((await fetch(new URL("/health", targets.url))).headers.get("x-backend") ?? "");
  return seen.size;
}

async function until(read: () => Promise<number>, want: number): Promise<void> {
  for (let i = 0; i < 50 && (await read()) !== want; i++) await new Promise((r) => setTimeout(r, 200));
}

/** A diagnosis as `sessiondoc check --repeat` runs it; `onContinuity` is told when session continuity starts. */
async function diagnose(repeat?: Repeat, onContinuity?: () => void, probes: ProbeRegistry = shipped.probes) {
  const engine = createEngine({ ...shipped, probes, store: new MemoryStore(), log: quietLog, probeTimeoutMs: 20_000 });
  const step = await engine.start(
    { flowId: "session-replication", answers: { symptom: "random-logout" } },
    {
      targets,
      probeParams: { "http.health": { windowSeconds: 5 } },
      onProgress: (p) => p.kind === "probe-started" && p.probe === "http.continuity" && onContinuity?.(),
      ...(repeat ? { repeat } : {}),
    },
    answersFrom({}),
  );
  return buildReport(step.record, shipped.flows.get("session-replication")!.flow, shipped);
}

describe("--repeat against a real balancer, nodes and store", () => {
  it("a healthy system stays no-fault-found over several rounds, each finding seen in all of them", async () => {
    const report = await diagnose({ rounds: 3, intervalMs: 300 });
    expect(report.verdict).toBe("no-fault-found");
    const continuity = report.probes.find((p) => p.id === "http.continuity")!;
    expect(continuity.findings.find((f) => f.id === "session-holds")?.rounds).toEqual({ seen: 3, of: 3 });
    expect(continuity.findings.find((f) => f.id === "session-holds")?.summary).toMatch(/\(3 of 3 rounds\)$/);
  }, 120_000);

  it("finds a node that drops sessions in some rounds only, which a single round missed", async () => {
    const once = await diagnose();
    expect(once.verdict).toBe("no-fault-found");
    // The stray node joins the pool after the first round of session continuity and stays for the next two.
    let timer: NodeJS.Timeout | undefined;
    const report = await diagnose({ rounds: 3, intervalMs: 2500 }, () => {
      timer ??= setTimeout(() => (stray.healthy = true), 1200);
    });
    stray.healthy = false;
    const continuity = report.probes.find((p) => p.id === "http.continuity")!;
    const lost = continuity.findings.find((f) => f.id === "session-lost");
    expect(lost?.rounds).toEqual({ seen: 2, of: 3 });
    expect(lost?.summary).toMatch(/\(2 of 3 rounds\)$/);
    // The nodes it was given share their sessions, so no cause of the catalogue is named: the loss through the
    // balancer is what is wrong, and the verdict says so instead of an all-clear.
    expect(report.verdict).toBe("inconclusive");
    expect(report.summary).toMatch(/came back anonymous.*\(2 of 3 rounds\)/);
    const weighed = report.causes.flatMap((c) => c.evidence).filter((e) => /\(2 of 3 rounds\)/.test(e.summary));
    expect(weighed.some((e) => e.weight > 0)).toBe(true);
  }, 180_000);

  it("one request lost in one round of a healthy system is inconclusive, not a cause and not an all-clear", async () => {
    // The real continuity probe, with one of its rounds answered as if one request had come back anonymous.
    const real = shipped.probes.get("http.continuity")!;
    let round = 0;
    const flaky: Probe = {
      ...real,
      async run(ctx) {
        const outcome = await real.run(ctx);
        if (++round !== 2) return outcome;
        const findings = outcome.findings.map((f) =>
          f.id === "session-holds"
            ? {
                ...f,
                id: "session-lost",
                summary: "1 of 12 signed-in requests came back anonymous",
                data: { ...f.data, anonymous: 1 },
              }
            : f,
        );
        return { ...outcome, findings };
      },
    };
    const probes = new Map([...shipped.probes, ["http.continuity", flaky]]);
    const report = await diagnose({ rounds: 3, intervalMs: 300 }, undefined, probes);
    expect(report.verdict).toBe("inconclusive");
    expect(report.summary).toMatch(/1 of 12 signed-in requests came back anonymous \(1 of 3 rounds\)/);
    expect(report.causes.flatMap((c) => c.evidence).some((e) => /\(1 of 3 rounds\)/.test(e.summary))).toBe(false);
  }, 120_000);
});
