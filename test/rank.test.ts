import { describe, expect, it } from "vitest";
import { assess } from "../src/engine/assess.js";
import { rankCauses, UNCONFIRMED_MAX } from "../src/engine/rank.js";
import { indexTable, weigh, type EvidenceTable } from "../src/evidence/table.js";
import type { Flow } from "../src/flows/schema.js";
import { emptyContext, type DiagnosisContext, type Evidence } from "../src/model/diagnosis.js";

// A small table of its own, so that these tests state the model's rules rather than the shipped weights.
const causeIds = ["alpha", "beta", "gamma"];
const table: EvidenceTable = {
  groups: { shared: "one underlying fact" },
  notApplicable: { gamma: [{ fact: "stack", equals: "php" }] },
  rules: [
    { on: "p.one/hint", effects: [{ cause: "alpha", weight: 0.3 }] },
    { on: "p.one/other-hint", effects: [{ cause: "alpha", weight: 0.3 }] },
    { on: "p.one/same-a", group: "shared", effects: [{ cause: "alpha", weight: 0.4 }] },
    { on: "p.one/same-b", group: "shared", effects: [{ cause: "alpha", weight: 0.4 }] },
    { on: "p.one/measured", effects: [{ cause: "alpha", weight: 0.85, confirms: true }] },
    { on: "p.one/beta-measured", effects: [{ cause: "beta", weight: 0.7, confirms: true }] },
    {
      on: "p.one/both",
      effects: [
        { cause: "alpha", weight: 0.6 },
        { cause: "beta", weight: 0.6 },
      ],
    },
    {
      on: "p.one/both-too",
      effects: [
        { cause: "alpha", weight: 0.5 },
        { cause: "beta", weight: 0.5 },
      ],
    },
    { on: "p.one/alpha-sighting", effects: [{ cause: "alpha", weight: 0.6 }] },
    { on: "p.one/alpha-weak", effects: [{ cause: "alpha", weight: 0.3 }] },
    { on: "p.one/alpha-quarter", effects: [{ cause: "alpha", weight: 0.25 }] },
    { on: "p.one/alpha-other-quarter", effects: [{ cause: "alpha", weight: 0.25 }] },
    { on: "p.one/alpha-hint", effects: [{ cause: "alpha", weight: 0.15 }] },
    { on: "p.one/clean-alpha", effects: [{ cause: "alpha", weight: -0.6 }] },
    { on: "p.one/clean-beta", effects: [{ cause: "beta", weight: -0.6 }] },
    { on: "p.one/clean-gamma", effects: [{ cause: "gamma", weight: -0.6 }] },
    { on: "answer/q=yes", effects: [{ cause: "alpha", weight: 0.9, confirms: true }] },
    { on: "answer/q=no", effects: [{ cause: "gamma", weight: -0.6 }] },
    {
      on: "answer/symptom=slow",
      effects: [
        { cause: "alpha", weight: 0.1 },
        { cause: "beta", weight: 0.1 },
      ],
    },
  ],
};
const weights = indexTable(table);
const flow: Flow = {
  id: "t",
  title: "t",
  start: "q",
  nodes: {
    q: {
      kind: "question",
      text: "Q?",
      choices: [
        { value: "yes", label: "Yes" },
        { value: "no", label: "No" },
      ],
      next: "end",
    },
    end: { kind: "conclusion" },
  },
};
const probes = new Map([
  ["p.one", { name: "p.one", description: "", needs: ["url" as const], facts: {}, findings: {} }],
]);

const seen = (finding: string, extra: Partial<Evidence> = {}): Evidence => ({
  id: `probe:${finding}`,
  source: "probe",
  ref: "p",
  observation: `p.one/${finding}`,
  summary: finding,
  ...extra,
});
const said = (q: string, v: string): Evidence => ({
  id: `answer:${q}`,
  source: "answer",
  ref: q,
  observation: `answer/${q}=${v}`,
  summary: `${q}=${v}`,
});
const context = (evidence: Evidence[], facts: Record<string, string> = {}): DiagnosisContext => ({
  ...emptyContext(
    Object.fromEntries(Object.entries(facts).map(([k, v]) => [k, { value: v, source: "user", from: k }])),
  ),
  evidence,
});
const judge = (evidence: Evidence[], facts: Record<string, string> = {}) =>
  assess(context(evidence, facts), { weights, causeIds, probes, flow });
const rank = (evidence: Evidence[]) => rankCauses(weigh(evidence, {}, weights), causeIds);

describe("ranking", () => {
  it("adds up independent pieces by noisy-OR", () => {
    const alpha = rank([seen("hint"), seen("other-hint")]).find((r) => r.id === "alpha")!;
    expect(alpha.support).toBeCloseTo(0.51);
    expect(alpha.groups).toBe(2);
    expect(alpha.established).toBe(true);
    expect(alpha.confidence).toBe(0.51);
  });

  it("does not let a hint carry two weak pieces over the line, though it adds to a cause they name", () => {
    const weak = rank([seen("alpha-quarter"), seen("alpha-other-quarter"), seen("alpha-hint")]).find(
      (r) => r.id === "alpha",
    )!;
    expect(weak.support).toBeGreaterThan(0.5);
    expect(weak.established).toBe(false);
    expect(weak.confidence).toBe(UNCONFIRMED_MAX);
    const named = rank([seen("hint"), seen("other-hint"), seen("alpha-hint")]).find((r) => r.id === "alpha")!;
    expect(named.established).toBe(true);
    expect(named.confidence).toBeCloseTo(1 - 0.49 * 0.85);
  });

  it("counts observations of one underlying fact once: the strongest of the group", () => {
    const alpha = rank([seen("same-a"), seen("same-b")]).find((r) => r.id === "alpha")!;
    expect(alpha.support).toBeCloseTo(0.4);
    expect(alpha.groups).toBe(1);
    expect(alpha.evidence.map((e) => e.counted)).toEqual([true, false]);
  });

  it("keeps a cause without a confirming observation or a second piece below the threshold that names it", () => {
    const alpha = rank([seen("both")]).find((r) => r.id === "alpha")!;
    expect(alpha.support).toBeCloseTo(0.6);
    expect(alpha.established).toBe(false);
    expect(alpha.confidence).toBe(UNCONFIRMED_MAX);
  });

  it("a person's answer never confirms, whatever the table says", () => {
    const alpha = rank([said("q", "yes")]).find((r) => r.id === "alpha")!;
    expect(alpha.confirmed).toBe(false);
    expect(alpha.confidence).toBe(UNCONFIRMED_MAX);
  });
});

describe("the verdict", () => {
  it("names a cause a measurement confirms", () => {
    const a = judge([seen("measured")]);
    expect(a.verdict).toBe("cause-found");
    expect(a.ranked[0]).toMatchObject({ id: "alpha", confidence: 0.85, confirmed: true });
  });

  it("is inconclusive with no evidence, never a guess", () => {
    const a = judge([]);
    expect(a.verdict).toBe("inconclusive");
    expect(a.next?.reason).toMatch(/not examined: alpha, beta, gamma/);
  });

  it("is inconclusive, naming both, when the evidence fits two causes alike", () => {
    const a = judge([seen("both"), seen("both-too")]);
    expect(a.verdict).toBe("inconclusive");
    expect(a.close.sort()).toEqual(["alpha", "beta"]);
    expect(a.next?.reason).toMatch(/alpha or beta|beta or alpha/);
  });

  it("tells the top cause from one that shares its evidence by a strong sighting of its own, not by a weak one", () => {
    const strong = judge([seen("both"), seen("alpha-sighting")]);
    expect(strong.verdict).toBe("cause-found");
    expect(strong.ranked[0]!.id).toBe("alpha");
    const weak = judge([seen("both"), seen("alpha-weak")]);
    expect(weak.verdict).toBe("inconclusive");
    expect(weak.close.sort()).toEqual(["alpha", "beta"]);
  });

  it("names a second cause as a further fault when it stands on observations of its own", () => {
    const a = judge([seen("measured"), seen("beta-measured")]);
    expect(a.verdict).toBe("cause-found");
    expect(a.ranked[0]!.id).toBe("alpha");
    expect(a.also).toEqual(["beta"]);
    expect(a.close).toEqual([]);
  });

  it("says no fault found only when every cause was examined and came back clean", () => {
    expect(judge([seen("clean-alpha"), seen("clean-beta"), seen("clean-gamma")]).verdict).toBe("no-fault-found");
    const missing = judge([seen("clean-alpha"), seen("clean-beta")]);
    expect(missing.verdict).toBe("inconclusive");
    expect(missing.coverage.find((c) => c.cause === "gamma")).toMatchObject({
      status: "not-examined",
      examined: false,
      inputs: { targets: ["url"], questions: ["q"] },
    });
  });

  it("takes a person's answer as covering a cause, and says that is what it was", () => {
    const a = judge([seen("clean-alpha"), seen("clean-beta"), said("q", "no")]);
    expect(a.verdict).toBe("no-fault-found");
    expect(a.coverage.find((c) => c.cause === "gamma")!.status).toBe("ruled-out-by-answer");
  });

  it("needs no examination of a cause the facts exclude, or one that cannot produce the symptom", () => {
    const php = judge([seen("clean-alpha"), seen("clean-beta")], { stack: "php" });
    expect(php.coverage.find((c) => c.cause === "gamma")!.status).toBe("not-applicable");
    expect(php.verdict).toBe("no-fault-found");
    const slow = judge([seen("clean-alpha"), seen("clean-beta"), said("symptom", "slow")], { symptom: "slow" });
    expect(slow.coverage.find((c) => c.cause === "gamma")!.status).toBe("not-compatible");
  });

  it("never says no fault found while something is wrong, explained or not", () => {
    const clean = [seen("clean-alpha"), seen("clean-beta"), seen("clean-gamma")];
    const a = judge([...clean, seen("unmapped", { anomaly: true })]);
    expect(a.verdict).toBe("inconclusive");
    expect(a.unexplained.map((e) => e.summary)).toEqual(["unmapped"]);
    expect(a.next?.reason).toMatch(/something is wrong that no cause of the catalogue explains: unmapped/);
  });
});
