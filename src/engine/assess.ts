import { weigh, type Weights } from "../evidence/table.js";
import type { Flow } from "../flows/schema.js";
import { factOf } from "../flows/validate.js";
import { factValues, type DiagnosisContext, type Evidence } from "../model/diagnosis.js";
import { holds, holdsAll, type Facts } from "../model/facts.js";
import { hasTarget, type TargetKind, type Targets } from "../model/targets.js";
import type { ProbeSpec } from "../probes/types.js";
import { distinguishedFrom, FOUND, HEALTHY_MAX, PIECE, rankCauses, type RankedCause, type Verdict } from "./rank.js";

/** Whether what the probe reaches may hold the sessions, on what is known (not a Redis, with sessions in a database). */
export function mayHoldSessions(probe: ProbeSpec, facts: Facts): boolean {
  return !(probe.irrelevantWhen && holds(probe.irrelevantWhen, facts));
}

/**
 * Whether a cause was looked at: `found` and `suspected` (evidence for it), `examined` (a probe or log observation
 * that would have shown it came back clean), `ruled-out-by-answer`, `not-applicable` (facts exclude it, e.g. no
 * jvmRoute on a PHP stack), `not-compatible` (it cannot produce the reported symptom), `not-examined`.
 */
export const COVERAGE = [
  "found",
  "suspected",
  "examined",
  "ruled-out-by-answer",
  "not-applicable",
  "not-compatible",
  "not-examined",
] as const;
export type CoverageStatus = (typeof COVERAGE)[number];

/** What would examine a cause (or settle a diagnosis): targets to give, questions to answer. */
export type Inputs = { targets: TargetKind[]; questions: string[] };

export type Coverage = { cause: string; status: CoverageStatus; examined: boolean; why: string; inputs: Inputs };

export type Assessment = {
  ranked: RankedCause[];
  verdict: Verdict;
  coverage: Coverage[];
  /** Anomalies no suspected cause explains. Any anomaly at all rules out "no fault found". */
  unexplained: Evidence[];
  /** Causes the evidence fits alike (an inconclusive verdict names them), and further confirmed faults. */
  close: string[];
  also: string[];
  /** For an inconclusive verdict: why, and the one or two inputs that would settle it. */
  next?: { reason: string; inputs: Inputs };
};

export type AssessDefs = {
  weights: Weights;
  causeIds: readonly string[];
  probes: ReadonlyMap<string, ProbeSpec>;
  flow: Flow;
};

const COVERED: ReadonlySet<CoverageStatus> = new Set([
  "examined",
  "ruled-out-by-answer",
  "not-applicable",
  "not-compatible",
]);

export function assess(ctx: DiagnosisContext, defs: AssessDefs, targets?: Targets): Assessment {
  const facts = factValues(ctx);
  const all = weigh(ctx.evidence, facts, defs.weights);
  // A cause the facts exclude is not weighed, so its hints fall to the causes that remain; but an observation that
  // confirms it outweighs the facts (a person can be wrong about where sessions live; a READONLY error is not).
  const confirmed = new Set(all.filter((w) => w.confirms).map((w) => w.cause));
  const exclusions = new Map<string, ReturnType<typeof excludedBy>>();
  const excludedBy = (cause: string) =>
    confirmed.has(cause) ? undefined : defs.weights.table.notApplicable[cause]?.find((c) => holds(c, facts));
  const excluded = (cause: string) => {
    if (!exclusions.has(cause)) exclusions.set(cause, excludedBy(cause));
    return exclusions.get(cause);
  };
  const weighed = all.filter((w) => !excluded(w.cause));
  const ranked = rankCauses(weighed, defs.causeIds);
  const answered = new Set(
    ctx.transcript.flatMap((t) => (t.kind === "question" && t.answer !== null ? [t.question] : [])),
  );
  // Questions the person said they could not answer; one left unanswered by a script was never put to anyone.
  const unknown = new Set(
    ctx.transcript.flatMap((t) =>
      t.kind === "question" && t.answer === null && t.source === "user" ? [t.question] : [],
    ),
  );
  const ran = new Set(ctx.probes.filter((p) => p.status === "ok" || p.status === "partial").map((p) => p.probe));
  /** Per probe that did not run and could show the cause, the targets it lacks; and the questions still open. */
  const examiners = (cause: string, confirming = false) => {
    const probes = new Map<string, TargetKind[]>();
    // Each question with the strongest weight one of its answers has for the cause.
    const questions = new Map<string, number>();
    for (const rule of defs.weights.table.rules) {
      const effects = rule.effects.filter(
        // To settle a suspect: a measurement that confirms it, or an answer that is at least a piece for or against.
        (e) =>
          e.cause === cause &&
          (!confirming || e.confirms || (rule.on.startsWith("answer/") && Math.abs(e.weight) >= PIECE)),
      );
      if (!effects.length) continue;
      const answer = /^answer\/([a-z0-9-]+)=/.exec(rule.on);
      if (answer) {
        const q = answer[1]!;
        const node = defs.flow.nodes[q];
        // Only a question the flow could put now: its preconditions hold on what is known.
        if (!answered.has(q) && !(q in ctx.facts) && node?.kind === "question" && holdsAll(node.when, facts))
          questions.set(q, Math.max(questions.get(q) ?? 0, ...effects.map((e) => Math.abs(e.weight))));
        continue;
      }
      const probe = defs.probes.get(rule.on.split("/")[0]!);
      if (!probe || ran.has(probe.name) || !mayHoldSessions(probe, facts)) continue;
      const missing = probe.needs.filter((need) => !targets || !hasTarget(targets, need));
      if (missing.length) probes.set(probe.name, missing);
    }
    return { probes, questions };
  };
  const inputsFor = (cause: string): Inputs => {
    const e = examiners(cause);
    return { targets: [...new Set([...e.probes.values()].flat())], questions: [...e.questions.keys()] };
  };
  /**
   * A question whose answer rules some of these causes out altogether (where sessions live, for node memory against
   * keys): it settles them whatever probes the system has. Not one the person could not answer: a probe then.
   */
  const decidingQuestion = (causes: string[]): string | undefined => {
    const deciding = new Set(
      causes.flatMap((c) => (defs.weights.table.notApplicable[c] ?? []).map((cond) => cond.fact)),
    );
    const candidates = Object.entries(defs.flow.nodes).flatMap(([id, node]) =>
      node.kind === "question" &&
      deciding.has(factOf(id, node)) &&
      facts[factOf(id, node)] === undefined &&
      !answered.has(id) &&
      !unknown.has(id) &&
      holdsAll(node.when, facts)
        ? [id]
        : [],
    );
    return candidates[0];
  };
  /**
   * The one input that would settle these causes: the probe that could examine the most of them (confirm them, when
   * telling suspects apart), as the targets it lacks; else the question that weighs on the most of them (and most
   * strongly), one not yet put before one the person could not answer. A measurement comes first: it can confirm, an answer cannot; but a
   * fact that rules suspects out comes before both.
   */
  const oneInput = (causes: string[], confirming: boolean): Inputs => {
    if (confirming && causes.length > 1) {
      const decisive = decidingQuestion(causes);
      if (decisive) return { targets: [], questions: [decisive] };
    }
    const byProbe = new Map<string, { missing: TargetKind[]; count: number }>();
    const byQuestion = new Map<string, { count: number; strength: number }>();
    for (const cause of causes) {
      const e = examiners(cause, confirming);
      for (const [name, missing] of e.probes)
        byProbe.set(name, { missing, count: (byProbe.get(name)?.count ?? 0) + 1 });
      for (const [q, strength] of e.questions) {
        const seen = byQuestion.get(q);
        byQuestion.set(q, { count: (seen?.count ?? 0) + 1, strength: Math.max(seen?.strength ?? 0, strength) });
      }
    }
    const probe = [...byProbe.values()].sort((a, b) => b.count - a.count || a.missing.length - b.missing.length)[0];
    if (probe) return { targets: probe.missing, questions: [] };
    const question = [...byQuestion].sort(
      (a, b) =>
        Number(unknown.has(a[0])) - Number(unknown.has(b[0])) ||
        b[1].count - a[1].count ||
        b[1].strength - a[1].strength,
    )[0];
    return { targets: [], questions: question ? [question[0]] : [] };
  };

  const symptom = facts.symptom;
  const compatible =
    typeof symptom === "string"
      ? new Set(
          defs.weights
            .rule(`answer/symptom=${symptom}`)
            ?.effects.filter((e) => e.weight > 0)
            .map((e) => e.cause) ?? defs.causeIds,
        )
      : undefined;

  // What would examine a cause is worked out only when someone reads it (the report): choosing questions
  // assesses many hypothetical diagnoses and never needs it.
  const coverage = ranked.map((r): Coverage => {
    const clean = r.evidence.filter((w) => w.weight < 0);
    const cover = (status: CoverageStatus, why: string): Coverage => {
      let inputs: Inputs | undefined;
      const none = COVERED.has(status) || status === "found";
      return {
        cause: r.id,
        status,
        examined: status === "found" || status === "suspected" || status === "examined",
        why,
        get inputs() {
          return (inputs ??= none ? { targets: [], questions: [] } : inputsFor(r.id));
        },
      };
    };
    if (r.established) return cover("found", r.evidence[0]!.item.summary);
    if (r.confidence > HEALTHY_MAX) return cover("suspected", r.evidence[0]!.item.summary);
    const looked = clean.find((w) => w.item.source !== "answer");
    if (looked) return cover("examined", looked.item.summary);
    const said = clean.find((w) => w.item.source === "answer");
    if (said) return cover("ruled-out-by-answer", said.item.summary);
    const why = excluded(r.id);
    if (why) return cover("not-applicable", `${why.fact} is ${String(facts[why.fact])}`);
    if (compatible && !compatible.has(r.id))
      return cover("not-compatible", `it does not cause what users see (${String(symptom)})`);
    return cover("not-examined", "nothing that would show it was observed or answered");
  });

  const anomalies = ctx.evidence.filter((e) => e.anomaly);
  const explains = (e: Evidence) =>
    ranked.some((r) => r.confidence > HEALTHY_MAX && r.evidence.some((w) => w.item === e && w.weight >= PIECE));
  const unexplained = anomalies.filter((e) => !explains(e));
  const established = ranked.filter((r) => r.established);
  const top = ranked[0]!;
  // Established causes the top one is not told apart from: the same observations support both.
  // Causes the top one is not told apart from: the same observations support both as strongly. A rival need not be
  // established itself — one that lacks only a second piece fits the evidence as well as the top one does.
  const rivals = top.established
    ? ranked.filter((r) => r !== top && r.support * (1 - r.against) >= FOUND && !distinguishedFrom(top, r))
    : [];
  const open = coverage.filter((c) => c.status === "not-examined");
  let verdict: Verdict;
  let next: Assessment["next"];
  let close: string[] = [];
  let also: string[] = [];
  if (top.established && rivals.length === 0) {
    verdict = "cause-found";
    // Further faults: other established causes that stand on evidence of their own.
    also = established.filter((r) => r !== top && distinguishedFrom(r, top)).map((r) => r.id);
  } else if (top.established) {
    verdict = "inconclusive";
    const fits = [top, ...rivals].slice(0, 3);
    close = fits.map((r) => r.id);
    next = lazyNext(
      `${fits.map((r) => r.id).join(" or ")}: the evidence fits ${fits.length > 2 ? "each" : "both"}`,
      () =>
        oneInput(
          fits.map((r) => r.id),
          true,
        ),
    );
  } else if (top.confidence > HEALTHY_MAX) {
    verdict = "inconclusive";
    const suspects = ranked.filter((r) => r.confidence > HEALTHY_MAX).slice(0, 2);
    next = lazyNext(
      `${suspects.map((s) => s.id).join(" and ")} ${suspects.length > 1 ? "are" : "is"} suspected but not confirmed`,
      () =>
        oneInput(
          suspects.map((s) => s.id),
          true,
        ),
    );
  } else if (anomalies.length) {
    verdict = "inconclusive";
    next = {
      reason: `something is wrong that no cause of the catalogue explains: ${(unexplained[0] ?? anomalies[0]!).summary}`,
      inputs: { targets: [], questions: [] },
    };
  } else if (open.length === 0 && coverage.some((c) => c.status === "examined")) verdict = "no-fault-found";
  else {
    verdict = "inconclusive";
    // An all-clear is a measurement's: causes that only answers ruled out were not looked at.
    const saidOnly = coverage.filter((c) => c.status === "ruled-out-by-answer").map((c) => c.cause);
    next = open.length
      ? lazyNext(`not examined: ${open.map((c) => c.cause).join(", ")}`, () =>
          oneInput(
            open.map((c) => c.cause),
            false,
          ),
        )
      : saidOnly.length
        ? lazyNext(`ruled out by answers only, nothing measured: ${saidOnly.join(", ")}`, () =>
            oneInput(saidOnly, false),
          )
        : lazyNext("nothing was observed, answered or pasted", () => oneInput([], false));
  }
  return { ranked, verdict, coverage, unexplained, close, also, ...(next ? { next } : {}) };
}

function lazyNext(reason: string, inputs: () => Inputs): NonNullable<Assessment["next"]> {
  let cached: Inputs | undefined;
  return {
    reason,
    get inputs() {
      return (cached ??= inputs());
    },
  };
}
