import { describe, expect, it } from "vitest";
import { TARGET_KEYS, type TargetKind } from "../../src/model/targets.js";
import { resultBlocks } from "../../src/slack/blocks/result.js";
import { answersFrom, engineWith, reportOf, shipped } from "../helpers/engine.js";

const main = shipped.flows.get("session-replication")!;

async function reportFor(answers: Record<string, string>) {
  const step = await engineWith().start({ flowId: main.flow.id }, { targets: { nodes: [] } }, answersFrom(answers));
  return reportOf(step, main);
}

describe("the result in the thread", () => {
  it("names the questions passed over as unlikely to overturn the cause, by their text", async () => {
    const report = await reportFor({
      symptom: "random-logout",
      architecture: "external-store",
      "store-errors": "errors",
      "loss-timing": "after-quiet",
    });
    expect(report.verdict).toBe("cause-found");
    const texts = JSON.stringify(resultBlocks(report, "d1"));
    expect(texts).toContain("Not asked, as unlikely to overturn it");
    expect(texts).toContain("Is the session store a Redis Cluster");
  });

  it("says what would settle an open verdict: the question's text or the targets a configured target needs", async () => {
    // Users move between backends and a reload signs them back in: where sessions live settles it.
    const byQuestion = await reportFor({
      symptom: "random-logout",
      stack: "aspnet-core",
      "lb-sticky": "no",
      "affinity-holds": "no",
      "drain-test": "no",
      "reload-flips": "yes",
    });
    // Someone who answers "I don't know" to every question: only a probe's targets can settle it.
    const byTargets = reportOf(
      await engineWith().start({ flowId: main.flow.id }, { targets: { nodes: [] } }, (q) => ({
        type: "ANSWER",
        question: q.id,
        value: null,
        source: "user",
      })),
      main,
    );
    expect(byQuestion.next!.inputs.questions).toHaveLength(1);
    expect(byTargets.next!.inputs.targets.length).toBeGreaterThan(0);
    for (const report of [byQuestion, byTargets]) {
      expect(report.verdict).toBe("inconclusive");
      const texts = JSON.stringify(resultBlocks(report, "d1"));
      expect(texts).toContain("*To settle it*");
      for (const id of report.next!.inputs.questions)
        expect(texts).toContain(report.questions.find((q) => q.id === id)!.text);
      // Named as sessiondoc.yaml names them (checkPath, not check-path).
      for (const t of report.next!.inputs.targets) expect(texts).toContain(`\`${TARGET_KEYS[t as TargetKind]}\``);
    }
  });

  it("says nothing of the kind when every question that could overturn it was asked", async () => {
    const report = await reportFor({ symptom: "random-logout", architecture: "node-memory", "lb-sticky": "no" });
    expect(report.verdict).toBe("cause-found");
    expect(report.questions.some((q) => q.skipped === "unlikely-to-change")).toBe(false);
    expect(JSON.stringify(resultBlocks(report, "d1"))).not.toContain("unlikely to overturn");
    expect(JSON.stringify(resultBlocks(report, "d1"))).not.toContain("To settle it");
  });
});
