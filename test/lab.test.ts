import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { CORE_CAUSE_IDS } from "../src/catalogue/schema.js";
import { MISLEADING } from "../src/lab/grade.js";
import { questionsAsked, runScenarios, type ScenarioRun } from "../src/lab/run.js";
import { loadScenarios } from "../src/lab/scenario.js";
import { expectedVerdict, type Scenario } from "../src/lab/schema.js";
import { root } from "./helpers/cli.js";

// The fast scenarios (Node and HAProxy) run here, a few at a time; `npm run lab -- check --slow` runs the rest.
const scenarios = loadScenarios();
const fast = scenarios.filter((s) => s.fast);
const results = new Map<string, ScenarioRun | { scenario: Scenario; error: Error }>();

beforeAll(async () => {
  const workDir = mkdtempSync(join(tmpdir(), "sessiondoc-lab-"));
  for (const r of await runScenarios(fast, workDir, { concurrency: 4 })) results.set(r.scenario.id, r);
}, 120_000);

describe("the fault lab", () => {
  it("proves a scenario without diagnosing it, for an author who must not see the verdict", () => {
    const r = spawnSync("node", ["dist/lab/cli.js", "prove", "ttl-mismatch"], {
      cwd: root,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^✓ ttl-mismatch: 1 of 1 proofs hold\n {4}✓ /);
    expect(r.stdout).not.toMatch(/expected|ttl-mismatch \d+ %|store TTL/i);
    const unknown = spawnSync("node", ["dist/lab/cli.js", "prove", "no-such-scenario"], {
      cwd: root,
      encoding: "utf8",
    });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/^lab: prove needs scenario ids; no scenario no-such-scenario/);
  });

  it("reproduces every cause of the catalogue, and has at least two healthy systems", () => {
    const expected = new Set(scenarios.map((s) => s.expect));
    for (const cause of CORE_CAUSE_IDS) expect(expected, cause).toContain(cause);
    expect(scenarios.filter((s) => s.expect === "no-fault-found").length).toBeGreaterThanOrEqual(2);
  });

  it("holds out scenarios the weights were not tuned on, broken and healthy", () => {
    const heldOut = scenarios.filter((s) => s.heldOut);
    expect(heldOut.filter((s) => s.tuned).map((s) => s.id)).toEqual([]);
    expect(heldOut.filter((s) => s.expect !== "no-fault-found").length).toBeGreaterThanOrEqual(8);
    expect(heldOut.filter((s) => s.expect === "no-fault-found").length).toBeGreaterThanOrEqual(6);
  });

  for (const scenario of fast) {
    it(`${scenario.id}: ${scenario.expect} (${expectedVerdict(scenario)})`, () => {
      const r = results.get(scenario.id)!;
      if ("error" in r) throw r.error;
      expect(MISLEADING.has(r.outcome), `${r.outcome}: ${r.report.summary}`).toBe(false);
      expect(r.report.verdict, r.report.summary).toBe(expectedVerdict(scenario));
      if (r.report.verdict === "cause-found") expect(r.report.causes[0]!.id).toBe(scenario.expect);
      // Nothing was asked of a person beyond the scenario's own answers, and no more left open than it allows.
      const answeredBy = r.report.questions.filter((q) => q.source === "user").map((q) => q.id);
      expect(answeredBy.filter((id) => !(id in scenario.answers))).toEqual([]);
      // A person who knows the system, answering what is asked, is asked no more than that, and is never misled.
      expect(questionsAsked(r).length, questionsAsked(r).join(", ")).toBeLessThanOrEqual(scenario.questions);
      if (r.stepped) expect(MISLEADING.has(r.stepped.final.outcome), r.stepped.final.report.summary).toBe(false);
    });
  }
});
