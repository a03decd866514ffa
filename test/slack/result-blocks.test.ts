import { describe, expect, it } from "vitest";
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
    const report = await reportFor({ symptom: "random-logout", architecture: "node-memory" });
    expect(report.verdict).toBe("inconclusive");
    const texts = JSON.stringify(resultBlocks(report, "d1"));
    const { questions, targets } = report.next!.inputs;
    expect(questions.length + targets.length).toBeGreaterThan(0);
    expect(texts).toContain("*To settle it*");
    for (const id of questions) expect(texts).toContain(report.questions.find((q) => q.id === id)!.text);
    for (const t of targets) expect(texts).toContain(`\`${t}\``);
  });

  it("says nothing of the kind when every question that could overturn it was asked", async () => {
    const report = await reportFor({ symptom: "random-logout", architecture: "node-memory", "lb-sticky": "no" });
    expect(report.verdict).toBe("cause-found");
    expect(report.questions.some((q) => q.skipped === "unlikely-to-change")).toBe(false);
    expect(JSON.stringify(resultBlocks(report, "d1"))).not.toContain("unlikely to overturn");
    expect(JSON.stringify(resultBlocks(report, "d1"))).not.toContain("To settle it");
  });
});
