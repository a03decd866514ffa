import { describe, expect, it } from "vitest";
import type { Evidence } from "../src/engine/context.js";
import { rankCauses, settled, verdictOf } from "../src/engine/rank.js";
import { CORE_CAUSE_IDS } from "../src/catalogue/schema.js";

const ids = [...CORE_CAUSE_IDS];
const item = (effects: Evidence["effects"], id = String(Math.random())): Evidence => ({
  id,
  source: "answer",
  ref: "q",
  summary: "s",
  effects,
});

describe("ranking", () => {
  it("ranks every cause, most likely first, with confidences in 0..1", () => {
    const ranked = rankCauses(
      [
        item([
          { cause: "replication", weight: 0.6 },
          { cause: "clock-skew", weight: 0.3 },
        ]),
      ],
      ids,
    );
    expect(ranked).toHaveLength(12);
    expect(ranked.slice(0, 2).map((r) => [r.id, r.confidence])).toEqual([
      ["replication", 0.6],
      ["clock-skew", 0.3],
    ]);
    expect(ranked.every((r) => r.confidence >= 0 && r.confidence <= 1)).toBe(true);
  });

  it("adds up independent support and discounts by evidence against", () => {
    const [r] = rankCauses(
      [item([{ cause: "ttl-mismatch", weight: 0.5 }]), item([{ cause: "ttl-mismatch", weight: 0.5 }])],
      ids,
    );
    expect(r!.confidence).toBe(0.75);
    const [s] = rankCauses(
      [item([{ cause: "ttl-mismatch", weight: 0.8 }]), item([{ cause: "ttl-mismatch", weight: -0.5 }])],
      ids,
    );
    expect(s!.confidence).toBe(0.4);
  });

  it("says inconclusive with no evidence, never a guessed cause", () => {
    expect(verdictOf(rankCauses([], ids))).toBe("inconclusive");
  });

  it("says cause-found only at or above 0.5", () => {
    expect(verdictOf(rankCauses([item([{ cause: "jvm-route", weight: 0.5 }])], ids))).toBe("cause-found");
    expect(verdictOf(rankCauses([item([{ cause: "jvm-route", weight: 0.45 }])], ids))).toBe("inconclusive");
  });

  it("says no-fault-found only when at least half the catalogue was checked and cleared", () => {
    const cleared = (n: number) => ids.slice(0, n).map((cause) => item([{ cause, weight: -0.6 }]));
    expect(verdictOf(rankCauses(cleared(6), ids))).toBe("no-fault-found");
    expect(verdictOf(rankCauses(cleared(5), ids))).toBe("inconclusive");
    expect(verdictOf(rankCauses([...cleared(8), item([{ cause: "jvm-route", weight: 0.2 }])], ids))).toBe(
      "no-fault-found",
    );
    expect(verdictOf(rankCauses([...cleared(8), item([{ cause: "jvm-route", weight: 0.3 }])], ids))).toBe(
      "inconclusive",
    );
  });

  it("settles a question once its causes are decided either way", () => {
    const ranked = rankCauses(
      [item([{ cause: "clock-skew", weight: -0.85 }]), item([{ cause: "ttl-mismatch", weight: 0.6 }])],
      ids,
    );
    expect(settled(ranked, new Set(["clock-skew"]))).toBe(true);
    expect(settled(ranked, new Set(["clock-skew", "ttl-mismatch"]))).toBe(false);
    expect(settled(ranked, new Set())).toBe(false);
    const decided = rankCauses([item([{ cause: "replication", weight: 0.9 }])], ids);
    expect(settled(decided, new Set(["ttl-mismatch"]))).toBe(true);
  });
});
