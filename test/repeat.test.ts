import { afterAll, describe, expect, it } from "vitest";
import { forWeighing, mergeRounds } from "../src/engine/repeat.js";
import { weigh } from "../src/evidence/table.js";
import type { Evidence } from "../src/model/diagnosis.js";
import { Report } from "../src/report/schema.js";
import { sessiondocInProcess } from "./helpers/cli.js";
import { shipped } from "./helpers/definitions.js";
import { startRedis, type RedisServer } from "./helpers/redis.js";

const servers: RedisServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

describe("a finding of one round in several", () => {
  const evidence = (rounds?: Evidence["rounds"]): Evidence => ({
    id: "probe:http.continuity:session-lost",
    source: "probe",
    ref: "http.continuity",
    observation: "http.continuity/session-lost",
    summary: "1 of 12 signed-in requests came back anonymous",
    data: { requests: 12, anonymous: 1, backends: 2 },
    ...(rounds ? { rounds } : {}),
  });
  it("is not weighed for any cause; seen in two rounds it is", () => {
    expect(weigh([evidence()], {}, shipped.weights).length).toBeGreaterThan(0);
    expect(weigh([evidence({ seen: 1, of: 5 })], {}, shipped.weights)).toEqual([]);
    expect(weigh([evidence({ seen: 2, of: 5 })], {}, shipped.weights).length).toBeGreaterThan(0);
  });
});

describe("the rounds of one probe, merged", () => {
  const ok = (ids: string[]) => ({
    outcome: {
      status: "ok" as const,
      target: "http://app.test/",
      findings: ids.map((id) => ({ id, summary: id })),
      facts: {},
    },
  });
  it("keeps every finding with the rounds that saw it, and says which rounds could not look", () => {
    const { outcome } = mergeRounds([ok(["holds"]), ok(["lost"]), { error: "connection refused" }, ok(["lost"])]);
    expect(outcome.status).toBe("partial");
    expect(outcome.findings).toEqual([
      { id: "holds", summary: "holds (1 of 3 rounds)", rounds: { seen: 1, of: 3 } },
      { id: "lost", summary: "lost (2 of 3 rounds)", rounds: { seen: 2, of: 3 } },
      { id: "rounds-failed", summary: "could not look in 1 of 4 rounds: connection refused" },
    ]);
  });
  it("takes the facts of the rounds that saw a fault come and go, else those most rounds agree on", () => {
    const round = (ids: string[], facts: Record<string, string>) => ({ outcome: { ...ok(ids).outcome, facts } });
    const clean = { "session-continuity": "holds", stack: "express" };
    const lost = { "session-continuity": "lost", stack: "express" };
    const fault = (f: { id: string }) => f.id === "lost";
    const merged = (...rounds: Array<ReturnType<typeof round>>) => mergeRounds(rounds, fault).outcome.facts;
    // A clean round must not route the flow as if nothing were lost when other rounds lost the session.
    expect(merged(round(["holds"], clean), round(["lost"], lost), round(["lost"], lost))).toEqual(lost);
    const twoClean = [round(["holds"], clean), round(["holds"], clean)];
    expect(merged(...twoClean, round(["lost"], lost), round(["lost"], lost))).toEqual(lost);
    // One lost round of three is an anomaly, not the fault: the facts are the other rounds'.
    expect(merged(round(["lost"], lost), ...twoClean)).toEqual(clean);
  });
  it("is the round itself when there was one, and failed when no round could look", () => {
    expect(mergeRounds([ok(["holds"])]).outcome.findings).toEqual([{ id: "holds", summary: "holds" }]);
    expect(mergeRounds([{ error: "a" }, { error: "b" }])).toMatchObject({ outcome: { status: "failed" }, error: "b" });
  });
});

describe("what a repeated probe's findings weigh", () => {
  const f = (id: string, seen: number, of = 5) => ({ id, summary: id, rounds: { seen, of } });
  const fault = (x: { id: string }) => x.id === "lost";
  it("a fault of one round is an anomaly; what other rounds saw still counts", () => {
    expect(forWeighing([f("lost", 1), f("holds", 4)], fault)).toEqual([
      { ...f("lost", 1), anomaly: true },
      f("holds", 4),
    ]);
  });
  it("a fault of two rounds or more: what the rounds without it saw does not rule causes out", () => {
    expect(forWeighing([f("lost", 2), f("holds", 3), f("stack", 5)], fault)).toEqual([f("lost", 2), f("stack", 5)]);
  });
  it("a probe that was not repeated is weighed as it is", () => {
    const once = [
      { id: "lost", summary: "lost" },
      { id: "holds", summary: "holds" },
    ];
    expect(forWeighing(once, fault)).toEqual(once);
  });
});

describe("sessiondoc check --repeat", () => {
  it("probes a real store in several rounds, and the JSON report says in how many each finding was seen", async () => {
    const server = await startRedis();
    servers.push(server);
    const r = await sessiondocInProcess([
      "check",
      "--redis",
      server.url,
      "--repeat",
      "2",
      "--interval",
      "0.2",
      "--json",
    ]);
    const report = Report.parse(r.json);
    const info = report.probes.find((p) => p.id === "redis.info")!;
    expect(info.status).toBe("ok");
    expect(info.findings.length).toBeGreaterThan(0);
    for (const f of info.findings) {
      expect(f.rounds).toEqual({ seen: 2, of: 2 });
      expect(f.summary).toMatch(/\(2 of 2 rounds\)$/);
    }
  });

  it("refuses an interval without --repeat, and a repeat out of range", async () => {
    const alone = await sessiondocInProcess(["check", "--redis", "redis://127.0.0.1:1", "--interval", "5"]);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/--interval needs --repeat N/);
    const many = await sessiondocInProcess(["check", "--repeat", "21"]);
    expect(many.code).toBe(2);
    expect(many.stderr).toMatch(/--repeat needs a whole number from 1 to 20, got "21"/);
  });
});
