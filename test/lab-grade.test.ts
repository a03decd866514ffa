import { describe, expect, it } from "vitest";
import { asExpected } from "../src/lab/grade.js";
import { Scenario } from "../src/lab/schema.js";
import type { Report } from "../src/report/schema.js";

const scenario = (fields: Record<string, unknown>) => Scenario.parse({ id: "s", title: "t", ...fields });
const report = (verdict: Report["verdict"], top?: string) =>
  ({ verdict, causes: top ? [{ id: top }] : [] }) as unknown as Pick<Report, "verdict" | "causes">;

describe("grading a scenario's first verdict", () => {
  it("where the targets cannot show the fault, naming a cause by guessing is a miss", () => {
    const s = scenario({ expect: "lb-affinity", verdict: "inconclusive" });
    expect(asExpected(s, report("inconclusive", "lb-affinity"))).toBe(true);
    expect(asExpected(s, report("cause-found", "lb-affinity"))).toBe(false);
  });

  it("where they show it on some runs only, inconclusive or the right cause named both pass", () => {
    const s = scenario({ expect: "lb-affinity", verdict: "inconclusive", shownSometimes: true });
    expect(asExpected(s, report("inconclusive", "lb-affinity"))).toBe(true);
    expect(asExpected(s, report("cause-found", "lb-affinity"))).toBe(true);
    expect(asExpected(s, report("cause-found", "id-regeneration"))).toBe(false);
    expect(asExpected(s, report("no-fault-found"))).toBe(false);
  });

  it("a healthy system left open passes open, never with a cause named", () => {
    const s = scenario({ expect: "no-fault-found", verdict: "inconclusive" });
    expect(asExpected(s, report("inconclusive", "store-wipe"))).toBe(true);
    expect(asExpected(s, report("cause-found", "store-wipe"))).toBe(false);
  });

  it("a fault the targets show must be named", () => {
    const s = scenario({ expect: "ttl-mismatch" });
    expect(asExpected(s, report("cause-found", "ttl-mismatch"))).toBe(true);
    expect(asExpected(s, report("inconclusive", "ttl-mismatch"))).toBe(false);
  });
});
