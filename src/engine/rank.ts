import type { Evidence } from "./context.js";

export const Verdict = ["cause-found", "no-fault-found", "inconclusive"] as const;
export type Verdict = (typeof Verdict)[number];

/** A cause at or above this confidence is named as found. */
export const FOUND = 0.5;
/** A cause this confident, or this firmly ruled out, needs no more questions. */
export const SETTLED = 0.85;
export const RULED_OUT = 0.8;
/** No fault: nothing above this, with at least this share of the catalogue examined and mostly cleared. */
export const HEALTHY_MAX = 0.25;
export const HEALTHY_COVERAGE = 0.5;

export type RankedCause = {
  id: string;
  confidence: number;
  /** Combined strength of the evidence for and against, each in 0..1. */
  support: number;
  against: number;
  evidence: Array<{ item: Evidence; weight: number }>;
};

/**
 * Noisy-OR of the supporting weights, discounted by the noisy-OR of the weights against. A single strong item
 * counts about as much as its weight; several weak ones add up; evidence against pulls a cause down.
 */
export function rankCauses(evidence: readonly Evidence[], causeIds: readonly string[]): RankedCause[] {
  const ranked = causeIds.map((id) => {
    const items = evidence.flatMap((item) =>
      item.effects.filter((e) => e.cause === id).map((e) => ({ item, weight: e.weight })),
    );
    const support = 1 - items.filter((e) => e.weight > 0).reduce((p, e) => p * (1 - e.weight), 1);
    const against = 1 - items.filter((e) => e.weight < 0).reduce((p, e) => p * (1 + e.weight), 1);
    items.sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight));
    return { id, confidence: round(support * (1 - against)), support, against, evidence: items };
  });
  // Stable order: most likely first, then most examined, then catalogue order.
  return ranked
    .map((r, i) => ({ r, i }))
    .sort((a, b) => b.r.confidence - a.r.confidence || b.r.evidence.length - a.r.evidence.length || a.i - b.i)
    .map(({ r }) => r);
}

export function verdictOf(ranked: readonly RankedCause[]): Verdict {
  const examined = ranked.filter((r) => r.evidence.length > 0);
  if (examined.length === 0) return "inconclusive";
  const top = ranked[0]!;
  if (top.confidence >= FOUND) return "cause-found";
  const cleared = examined.filter((r) => r.against > r.support);
  if (top.confidence <= HEALTHY_MAX && cleared.length >= ranked.length * HEALTHY_COVERAGE) return "no-fault-found";
  return "inconclusive";
}

/** True when asking about these causes can no longer change the outcome. */
export function settled(ranked: readonly RankedCause[], causes: ReadonlySet<string>): boolean {
  if (causes.size === 0) return false;
  const [top, second] = ranked;
  if (top && top.confidence >= SETTLED && top.confidence - (second?.confidence ?? 0) >= 0.3) return true;
  return ranked.filter((r) => causes.has(r.id)).every((r) => r.confidence >= SETTLED || r.against >= RULED_OUT);
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
