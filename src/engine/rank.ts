import type { Weighed } from "../evidence/table.js";

export const Verdict = ["cause-found", "no-fault-found", "inconclusive"] as const;
export type Verdict = (typeof Verdict)[number];

/** A cause at or above this confidence, and established, is named as found. */
export const FOUND = 0.5;
/** A cause not yet established is never shown above this: it takes a confirming observation or two pieces. */
export const UNCONFIRMED_MAX = 0.45;
/** Above this a cause is suspected, which rules out "no fault found". */
export const HEALTHY_MAX = 0.25;
/** Evidence weaker than this is a hint; it does not count as an independent piece when causes are established. */
export const PIECE = 0.2;

export type RankedCause = {
  id: string;
  /** Shown confidence: noisy-OR support discounted by evidence against, capped until the cause is established. */
  confidence: number;
  support: number;
  against: number;
  /** Every item bearing on the cause, strongest first; `counted` is false for a weaker item of a group that counted. */
  evidence: Array<Weighed & { counted: boolean }>;
  /** Independent groups of evidence for the cause, each at least a piece. */
  groups: number;
  /** An observation that alone establishes the cause supports it. */
  confirmed: boolean;
  established: boolean;
};

/**
 * Noisy-OR of the supporting weights, discounted by the noisy-OR of the weights against, where observations of one
 * underlying fact (a group) count once: the strongest for and the strongest against. A cause is established when it
 * is confirmed by a probe or log observation, or when independent pieces agree; until then its confidence is capped
 * below the threshold at which a cause is named, so no single answer or hint can name one.
 */
export function rankCauses(weighed: readonly Weighed[], causeIds: readonly string[]): RankedCause[] {
  const byCause = new Map<string, Weighed[]>();
  for (const w of weighed) {
    const list = byCause.get(w.cause);
    if (list) list.push(w);
    else byCause.set(w.cause, [w]);
  }
  const ranked = causeIds.map((id) => {
    const items = byCause.get(id) ?? [];
    const strongest = new Map<string, Weighed>();
    for (const w of items) {
      const key = `${w.group}|${w.weight > 0 ? "+" : "-"}`;
      const best = strongest.get(key);
      if (!best || Math.abs(w.weight) > Math.abs(best.weight)) strongest.set(key, w);
    }
    const counted = new Set(strongest.values());
    const pos = [...counted].filter((w) => w.weight > 0);
    const neg = [...counted].filter((w) => w.weight < 0);
    const support = 1 - pos.reduce((p, w) => p * (1 - w.weight), 1);
    const against = 1 - neg.reduce((p, w) => p * (1 + w.weight), 1);
    const raw = support * (1 - against);
    const strong = pos.filter((w) => w.weight >= PIECE);
    const groups = new Set(strong.map((w) => w.group)).size;
    const confirmed = items.some((w) => w.confirms);
    // Hints may add to a named cause's confidence, never carry an unconfirmed one over the line by themselves.
    const pieces = 1 - strong.reduce((p, w) => p * (1 - w.weight), 1);
    const established = confirmed ? raw >= FOUND : groups >= 2 && pieces * (1 - against) >= FOUND;
    const evidence = items
      .map((w) => ({ ...w, counted: counted.has(w) }))
      .sort((a, b) => Number(b.counted) - Number(a.counted) || Math.abs(b.weight) - Math.abs(a.weight));
    const confidence = round(established ? raw : Math.min(raw, UNCONFIRMED_MAX));
    return { id, confidence, support, against, evidence, groups, confirmed, established };
  });
  // Stable order: most likely first, then most examined, then catalogue order.
  return ranked
    .map((r, i) => ({ r, i }))
    .sort(
      (a, b) =>
        b.r.confidence - a.r.confidence ||
        Number(b.r.established) - Number(a.r.established) ||
        b.r.evidence.length - a.r.evidence.length ||
        a.i - b.i,
    )
    .map(({ r }) => r);
}

/**
 * Whether `a` stands on evidence of its own against `b`: from the groups `b` does not share, a confirming observation,
 * a strong sighting (a piece that alone reaches FOUND), or two pieces. Two causes supported by the same observations
 * (lost through the balancer: routing or keys?) are not told apart until one of them gains evidence the other lacks.
 * An observation that is only a hint for `b`, at most half its weight for `a`, still tells them apart: it fits `a`
 * far better.
 */
export function distinguishedFrom(a: RankedCause, b: RankedCause): boolean {
  const theirs = new Map(b.evidence.filter((w) => w.counted && w.weight > 0).map((w) => [w.group, w.weight]));
  const own = a.evidence.filter((w) => {
    const rival = theirs.get(w.group) ?? 0;
    return w.counted && w.weight > 0 && rival < PIECE && rival * 2 <= w.weight;
  });
  const support = 1 - own.reduce((p, w) => p * (1 - w.weight), 1);
  const pieces = new Set(own.filter((w) => w.weight >= PIECE).map((w) => w.group)).size;
  return support * (1 - a.against) >= FOUND && (own.some((w) => w.confirms || w.weight >= FOUND) || pieces >= 2);
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
