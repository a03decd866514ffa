import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bringUp, loadScenarios, type Lab } from "../src/lab/scenario.js";
import { Report } from "../src/report/schema.js";
import { sessiondoc } from "./helpers/cli.js";
import { CORE_CAUSE_IDS } from "../src/catalogue/schema.js";

const scenarios = loadScenarios();
const workDir = mkdtempSync(join(tmpdir(), "sessiondoc-lab-"));
const labs: Lab[] = [];
afterAll(async () => {
  await Promise.all(labs.map((l) => l.stop()));
});

describe("the fault lab", () => {
  it("reproduces every cause of the catalogue, and has at least two healthy systems", () => {
    const expected = new Set(scenarios.map((s) => s.expect));
    for (const cause of CORE_CAUSE_IDS) expect(expected, cause).toContain(cause);
    expect(scenarios.filter((s) => s.expect === "no-fault-found").length).toBeGreaterThanOrEqual(2);
  });

  for (const scenario of scenarios) {
    it(`${scenario.id}: ${scenario.expect}`, async () => {
      const lab = await bringUp(scenario, { workDir });
      labs.push(lab);
      const r = sessiondoc(["diagnose", ...lab.args, "--non-interactive", "--json"]);
      await lab.stop();
      expect(r.code, r.stderr).toBe(0);
      const report = Report.parse(r.json);
      if (scenario.expect === "no-fault-found") {
        expect(report.verdict).toBe("no-fault-found");
      } else {
        expect(report.verdict).toBe("cause-found");
        expect(report.causes[0]!.id).toBe(scenario.expect);
      }
      // Nothing was asked of a person beyond what the scenario's user says up front.
      const asked = report.questions.filter((q) => q.source === "user").map((q) => q.id);
      expect(
        asked.every((id) => id in scenario.answers),
        asked.join(","),
      ).toBe(true);
      // Without answers, the verdict rests on what probes and logs found.
      if (Object.keys(scenario.answers).length === 0 && scenario.expect !== "no-fault-found") {
        expect(report.causes[0]!.evidence.some((e) => e.source === "probe" || e.source === "log")).toBe(true);
      }
    });
  }
});
