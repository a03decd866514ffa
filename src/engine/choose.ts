import type { Weights } from "../evidence/table.js";
import { nodeOf } from "../flows/graph.js";
import type { Flow, QuestionNode } from "../flows/schema.js";
import { factOf } from "../flows/validate.js";
import { factValues, observationOf, type DiagnosisContext, type Evidence } from "../model/diagnosis.js";
import { conditionsOf, holdsAll } from "../model/facts.js";
import type { ProbeSpec } from "../probes/types.js";
import { assess, type Assessment, type AssessDefs, type CoverageStatus } from "./assess.js";
import { HEALTHY_MAX, PIECE } from "./rank.js";

/** A choice answer is an observation when the evidence table says what it means. */
export function answerEvidence(id: string, q: QuestionNode, value: string | null, weights: Weights): Evidence[] {
  const choice = q.choices?.find((c) => c.value === value);
  if (!choice) return [];
  const observation = observationOf.answer(id, choice.value);
  if (!weights.rule(observation)) return [];
  return [{ id: `answer:${id}`, source: "answer", ref: id, observation, summary: `${q.text} — ${choice.label}` }];
}

export type Usefulness = {
  /** Expected change an answer makes: a changed verdict counts most; while inconclusive, each cause settled counts. */
  score: number;
  /** What orders the useful questions: expected information gain in bits over the causes still possible, plus the
   * chance of a piece of evidence for the fault. */
  gain: number;
  /** The causes some answer would move: what the question separates. */
  separates: string[];
  /** Some answer would change the verdict, but none that is likely with a cause named. */
  unlikely?: true;
  /** With no cause suspected yet, some answer would reach a verdict (examine the last causes left open). */
  concludes?: true;
  /** With no cause suspected yet, how many of the causes left open the answer is expected to settle. */
  settles?: number;
};

const NOT_USEFUL: Usefulness = { score: 0, gain: 0, separates: [] };
/** A changed verdict (or a different cause named) outweighs any number of causes moved toward one. */
const VERDICT_WEIGHT = 10;
/** Statuses that count as looked at, for progress toward a verdict. */
const SETTLED: ReadonlySet<CoverageStatus> = new Set([
  "found",
  "examined",
  "ruled-out-by-answer",
  "not-applicable",
  "not-compatible",
]);

/** Causes competing for the same evidence, or suspected: only telling them apart leads to a verdict. */
function suspectsOf(a: Assessment): Set<string> {
  return new Set([...a.close, ...a.ranked.filter((r) => r.confidence > HEALTHY_MAX).map((r) => r.id)]);
}

/** Causes that no answer can bring back: their share of belief is nil. */
const EXCLUDED: ReadonlySet<CoverageStatus> = new Set(["not-applicable", "not-compatible"]);
/** Belief in a cause with no evidence yet, beside the support of those that have some. */
const BASE_BELIEF = 0.05;

/** How strongly the evidence now points at each cause: its support net of the evidence against it. */
function beliefs(a: Assessment): Map<string, number> {
  const excluded = new Set(a.coverage.filter((c) => EXCLUDED.has(c.status)).map((c) => c.cause));
  return new Map(a.ranked.map((r) => [r.id, excluded.has(r.id) ? 0 : BASE_BELIEF + r.support * (1 - r.against)]));
}

/** Where measurements already fit a few causes as well as each other, or a named cause beside suspected rivals,
 * telling those apart is what a verdict waits on: the causes nothing measured points at are not worth a question
 * before that. Answers alone do not narrow the field so: a person's account is worth widening with the next answer. */
function focus(a: Assessment, b: Map<string, number>): Map<string, number> {
  const contenders =
    a.close.length > 0
      ? a.close
      : a.verdict === "cause-found"
        ? a.ranked.filter((r) => r.confidence > HEALTHY_MAX).map((r) => r.id)
        : [];
  const measured = (id: string) =>
    a.ranked
      .find((r) => r.id === id)!
      .evidence.some((w) => w.counted && w.weight >= PIECE && w.item.source !== "answer");
  if (contenders.length < 2 || !contenders.every(measured)) return b;
  return new Map([...b].map(([cause, p]) => [cause, contenders.includes(cause) ? p : 0]));
}

/** Expected counts compared to the hundredth: rounding noise must not outrank a real difference in gain. */
const hundredths = (x = 0) => Math.round(x * 100);

const entropy = (ps: Iterable<number>) => {
  let h = 0;
  for (const p of ps) if (p > 0) h -= p * Math.log2(p);
  return h;
};

/** How much likelier than its share an answer that supports a cause is, when that cause is the fault. */
const SHARPNESS = 2;
/** What an expected piece of evidence for the fault is worth beside a bit of information: naming takes two. */
const PIECE_VALUE = 1;
/** The share of systems a question's usual answers come from when it is not about their fault, for ordering
 * questions: modest, so that a question is not passed over for assuming too much about systems. */
const USUAL_SHARE = 0.6;
/** The same share when judging whether an answer could still overturn a named cause, or which question is likeliest
 * to settle the causes left open where nothing is suspected: a system without a fault rarely shows it (keys that
 * differ, MOVED errors, a replica taking writes). */
const USUAL_SHARE_SETTLED = 0.9;
/** Once a cause is named, a question is still put when its answers that would change the verdict have at least this
 * chance; below it the question is passed over as unlikely to change the verdict, and the report says so. */
const UNLIKELY = 0.15;
/** An interview still inconclusive after this many questions stops asking (the troubleshooting guide has 11 steps):
 * what the answers so far leave open is better settled by the one input the report names, often a probe's target. */
export const INTERVIEW_LIMIT = 12;

/**
 * What each cause would answer: a cause the answers do not move gives a usual answer (a choice that supports no
 * cause) most of the time, or any answer alike when there is none; a cause they move gives the answers that raise
 * its belief far more often than those that lower it. Returns, per answer, the joint probability of it and each cause
 * under today's beliefs.
 */
export function answerModel(
  now: Map<string, number>,
  then: ReadonlyArray<Map<string, number>>,
  usual: ReadonlyArray<number> = [],
  usualShare = USUAL_SHARE,
): Array<Map<string, number>> {
  const total = [...now.values()].reduce((a, b) => a + b, 0);
  const k = then.length;
  const joint = then.map(() => new Map<string, number>());
  if (total === 0) return joint;
  const base = then.map((_, j) =>
    usual.length === 0 || usual.length === k
      ? 1 / k
      : usual.includes(j)
        ? usualShare / usual.length
        : (1 - usualShare) / (k - usual.length),
  );
  for (const [cause, belief] of now) {
    if (belief === 0) continue;
    const odds = then.map((t, j) => base[j]! * ((t.get(cause) ?? 0) / belief) ** SHARPNESS);
    const sum = odds.reduce((a, b) => a + b, 0);
    if (sum === 0) continue;
    odds.forEach((o, j) => joint[j]!.set(cause, ((belief / total) * o) / sum));
  }
  // A cause no answer leaves possible drops out: what remains is the distribution.
  const kept = joint.reduce((a, answer) => a + [...answer.values()].reduce((b, p) => b + p, 0), 0);
  if (kept > 0 && kept < 1) for (const answer of joint) for (const [cause, p] of answer) answer.set(cause, p / kept);
  return joint;
}

/** Expected information gain, in bits, of learning the answer. */
export function informationGain(joint: ReadonlyArray<Map<string, number>>): number {
  const prior = new Map<string, number>();
  let expected = 0;
  for (const answer of joint) {
    let pAnswer = 0;
    for (const [cause, p] of answer) {
      prior.set(cause, (prior.get(cause) ?? 0) + p);
      pAnswer += p;
    }
    if (pAnswer > 0) expected += pAnswer * entropy([...answer.values()].map((p) => p / pAnswer));
  }
  return Math.max(0, entropy(prior.values()) - expected);
}

/** The chance that the answer adds an independent piece of evidence for the cause that is the fault. */
export function expectedPiece(joint: ReadonlyArray<Map<string, number>>, pieces: ReadonlyArray<Set<string>>): number {
  let p = 0;
  joint.forEach((answer, j) => {
    for (const [cause, q] of answer) if (pieces[j]!.has(cause)) p += q;
  });
  return p;
}

function outcomeKey(a: Assessment): string {
  return `${a.verdict}|${a.verdict === "cause-found" ? a.ranked[0]!.id : ""}|${[...a.close].sort().join(",")}`;
}

/**
 * Chooses questions by what their answers would do to the assessment: each choice is tried on a copy of the
 * diagnosis ("I don't know" changing nothing); whether any could change the outcome decides if a question is asked,
 * how likely each is for each cause orders the ones that could. Pure: the same diagnosis gets the same question, so a
 * restored diagnosis asks what it would have asked.
 */
export function makeChooser(flow: Flow, defs: Omit<AssessDefs, "flow"> & { probes: ReadonlyMap<string, ProbeSpec> }) {
  const assessDefs: AssessDefs = { ...defs, flow };
  const cache = new WeakMap<DiagnosisContext, Assessment>();
  const current = (ctx: DiagnosisContext) => {
    let a = cache.get(ctx);
    if (!a) cache.set(ctx, (a = assess(ctx, assessDefs)));
    return a;
  };
  const question = (id: string) => nodeOf(flow, id, "question");
  // Every guard of a state asks about the same context: read its facts and questions once.
  const views = new WeakMap<DiagnosisContext, { facts: ReturnType<typeof factValues>; asked: Set<string> }>();
  const view = (ctx: DiagnosisContext) => {
    let v = views.get(ctx);
    if (!v) {
      const asked = new Set(ctx.transcript.flatMap((t) => (t.kind === "question" ? [t.question] : [])));
      views.set(ctx, (v = { facts: factValues(ctx), asked }));
    }
    return v;
  };

  // Per cause, the facts on which a piece of answer evidence for it depends (the drain test speaks to serialization
  // only once the architecture is known), with the question that carries the piece.
  const unlocks = new Map<string, Array<{ fact: string; question: string }>>();
  for (const rule of defs.weights.table.rules) {
    const answer = /^answer\/([a-z0-9-]+)=/.exec(rule.on);
    // The table serves every flow: only questions this flow asks can carry a piece here.
    if (!answer || flow.nodes[answer[1]!]?.kind !== "question") continue;
    for (const e of rule.effects)
      if (e.weight >= PIECE)
        for (const c of conditionsOf(e.when))
          if (!c.fact.startsWith("data."))
            unlocks.set(e.cause, [...(unlocks.get(e.cause) ?? []), { fact: c.fact, question: answer[1]! }]);
  }
  // Per cause, the facts a question that carries a piece for it waits on (the jvmRoute question, for the stack); and
  // per question, its usual answers: the choices whose evidence supports no cause.
  const gates = new Map<string, Array<{ fact: string; question: string }>>();
  const usual = new Map<string, number[]>();
  for (const [id, node] of Object.entries(flow.nodes)) {
    if (node.kind !== "question" || !node.choices) continue;
    const effects = node.choices.map((c) => defs.weights.rule(observationOf.answer(id, c.value))?.effects ?? []);
    usual.set(
      id,
      effects.flatMap((e, i) => (e.some((x) => x.weight > 0) ? [] : [i])),
    );
    for (const e of effects.flat().filter((x) => x.weight >= PIECE))
      for (const c of conditionsOf(node.when))
        gates.set(e.cause, [...(gates.get(e.cause) ?? []), { fact: c.fact, question: id }]);
  }
  /** Whether knowing `fact` would let a question still open add a piece for `cause`, or let it be put at all. */
  const unlocksPiece = (ctx: DiagnosisContext, cause: string, fact: string) =>
    (unlocks.get(cause) ?? []).some((u) => u.fact === fact && eligible(ctx, u.question)) ||
    (gates.get(cause) ?? []).some(
      (g) => g.fact === fact && unasked(ctx, g.question) && waitsOnlyOn(ctx, g.question, fact),
    );

  /** Whether every precondition of a question but those on `fact` holds now: only `fact` keeps it from being put. */
  function waitsOnlyOn(ctx: DiagnosisContext, id: string, fact: string): boolean {
    return holdsAll(
      conditionsOf(question(id).when).filter((c) => c.fact !== fact),
      view(ctx).facts,
    );
  }

  /** Whether a question was neither asked nor answered by a probe. */
  function unasked(ctx: DiagnosisContext, id: string): boolean {
    return ctx.facts[factOf(id, question(id))] === undefined && !view(ctx).asked.has(id);
  }

  /** Whether a question may be put now: its preconditions hold, its fact is unknown, and it was not asked. */
  function eligible(ctx: DiagnosisContext, id: string): boolean {
    const q = question(id);
    return holdsAll(q.when, view(ctx).facts) && unasked(ctx, id);
  }

  function usefulness(ctx: DiagnosisContext, id: string): Usefulness {
    const now = current(ctx);
    // Every compatible cause examined and clean: more questions would only examine them again. A cause a probe or a
    // log confirmed: a person's answer may add to it but is not asked to overturn a measurement.
    if (now.verdict === "no-fault-found") return NOT_USEFUL;
    if (now.verdict === "cause-found" && now.ranked[0]!.evidence.some((w) => w.confirms && w.item.source !== "answer"))
      return NOT_USEFUL;
    const q = question(id);
    if (!q.choices) {
      // A text answer feeds a probe that compares it (the idle timeout): useful while those causes are open.
      // Open causes, and causes named on hints alone (a measured value would confirm or overturn them).
      const open = (q.informs ?? []).filter((c) => {
        const status = now.coverage.find((x) => x.cause === c)?.status;
        const ranked = now.ranked.find((r) => r.id === c);
        return status === "not-examined" || status === "suspected" || (status === "found" && !ranked?.confirmed);
      });
      return open.length ? { score: open.length, gain: 0, separates: open } : NOT_USEFUL;
    }
    const fact = factOf(id, q);
    const moved = new Set<string>();
    let total = 0;
    const suspects = suspectsOf(now);
    for (const suspect of suspects)
      if (unlocksPiece(ctx, suspect, fact)) {
        moved.add(suspect);
        if (now.verdict === "inconclusive") total += 1;
      }
    // With no suspect yet, examining the causes still open is progress.
    const contested = suspects.size > 0;
    const coverageBefore = new Map(now.coverage.map((c) => [c.cause, c]));
    const rankedBefore = new Map(now.ranked.map((r) => [r.id, r]));
    const beliefsThen: Array<Map<string, number>> = [];
    const piecesThen: Array<Set<string>> = [];
    const outcomeChanging: number[] = [];
    const settledBy: number[] = [];
    // A named cause's rivals the evidence already suspects: an answer that would lead to one is never far-fetched.
    const named = now.verdict === "cause-found" ? now.ranked[0]!.id : undefined;
    const rivals = new Set([...suspects].filter((c) => named !== undefined && c !== named));
    let revives = false;
    let reachesVerdict = false;
    for (const choice of q.choices) {
      const hypothetical: DiagnosisContext = {
        ...ctx,
        facts: { ...ctx.facts, [fact]: { value: choice.value, source: "user", from: id } },
        evidence: [
          ...ctx.evidence.filter((e) => e.id !== `answer:${id}`),
          ...answerEvidence(id, q, choice.value, defs.weights),
        ],
      };
      const then = assess(hypothetical, assessDefs);
      beliefsThen.push(beliefs(then));
      piecesThen.push(new Set(then.ranked.filter((r) => r.groups > rankedBefore.get(r.id)!.groups).map((r) => r.id)));
      if (outcomeKey(then) !== outcomeKey(now)) {
        total += VERDICT_WEIGHT;
        outcomeChanging.push(beliefsThen.length - 1);
        // The cause it would name, or the causes it would leave the verdict open between.
        const leading = then.verdict === "cause-found" ? [then.ranked[0]!.id] : [...suspectsOf(then)];
        revives ||= leading.some((c) => rivals.has(c));
        reachesVerdict ||= then.verdict !== now.verdict;
      }
      const rankedThen = new Map(then.ranked.map((r) => [r.id, r]));
      settledBy.push(0);
      for (const c of then.coverage) {
        const before = coverageBefore.get(c.cause)!;
        const was = rankedBefore.get(c.cause)!;
        const is = rankedThen.get(c.cause)!;
        const settledNow = !SETTLED.has(before.status) && SETTLED.has(c.status);
        if (settledNow) settledBy[settledBy.length - 1]! += 1;
        // A cause a probe examined and found clean is not put to a person to overturn, as a confirmed one is not.
        const suspicion =
          before.status !== "examined" &&
          before.status !== c.status &&
          [before.status, c.status].some((x) => x === "found" || x === "suspected");
        // A suspect needs a confirming observation or a second piece: an answer that adds a piece for it, or weighs
        // against it, moves toward a verdict even when it does not reach one.
        const piece = suspects.has(c.cause) && (is.groups > was.groups || is.against >= was.against + PIECE);
        // Once a cause is suspected, raising further suspects only widens the list the report names; what counts is
        // a piece for or against a suspect, or an answer that changes the verdict.
        if ((!contested && (settledNow || suspicion)) || piece) {
          moved.add(c.cause);
          if (now.verdict === "inconclusive") total += 1;
        }
      }
    }
    const score = total / (q.choices.length + 1);
    if (score === 0) return NOT_USEFUL;
    // A named cause is put to the test by the answers that could overturn it, as long as they are not far-fetched: an
    // answer that would lead to a rival the evidence already suspects never is.
    if (now.verdict === "cause-found" && !revives) {
      const settled = answerModel(beliefs(now), beliefsThen, usual.get(id), USUAL_SHARE_SETTLED);
      const overturn = outcomeChanging.reduce((a, j) => a + [...settled[j]!.values()].reduce((b, p) => b + p, 0), 0);
      if (overturn < UNLIKELY) return { ...NOT_USEFUL, unlikely: true };
    }
    const joint = answerModel(
      focus(now, beliefs(now)),
      beliefsThen.map((b) => focus(now, b)),
      usual.get(id),
    );
    // Nothing suspected: the system looks healthy so far, and gives a question's usual answers as one without a fault
    // would (a cookie that arrives expired is what a skewed clock shows, not what these systems do).
    const settles = () =>
      answerModel(beliefs(now), beliefsThen, usual.get(id), USUAL_SHARE_SETTLED).reduce(
        (sum, answer, j) => sum + settledBy[j]! * [...answer.values()].reduce((a, p) => a + p, 0),
        0,
      );
    return {
      score,
      ...(!contested && reachesVerdict ? { concludes: true as const } : {}),
      ...(!contested ? { settles: settles() } : {}),
      gain: informationGain(joint) + PIECE_VALUE * expectedPiece(joint, piecesThen),
      separates: [...moved],
    };
  }

  /** Whether an interview that has not found a cause has asked as many questions as it may. */
  function limitReached(ctx: DiagnosisContext): boolean {
    const put = ctx.transcript.filter((t) => t.kind === "question" && t.source === "user").length;
    return current(ctx).verdict === "inconclusive" && put >= INTERVIEW_LIMIT;
  }

  /** The causes a question's answers bear on, in the evidence table (or that its text answer informs). */
  function speaksTo(id: string): string[] {
    const q = question(id);
    const fromChoices = (q.choices ?? []).flatMap(
      (c) => defs.weights.rule(observationOf.answer(id, c.value))?.effects.map((e) => e.cause) ?? [],
    );
    return [...new Set([...fromChoices, ...(q.informs ?? [])])];
  }

  return {
    eligible,
    usefulness,
    speaksTo,
    limitReached,
    /** The most useful eligible question of a pool now, or none when no answer could change anything. */
    next(ctx: DiagnosisContext, pool: readonly string[]): { id: string; separates: string[] } | undefined {
      if (limitReached(ctx)) return undefined;
      // A text answer a probe measures against comes first: a measurement can confirm, an answer cannot. With nothing
      // suspected, a question that could end the diagnosis comes next: what is left is to examine the open causes.
      // Then, among the questions whose answers could still change something, the one expected to tell the causes
      // apart most.
      // Probes examined some causes, suspect none and saw nothing amiss: what is left is to settle the few they could not
      // reach, and the question expected to settle most of those comes first (before one that sorts the causes already
      // examined).
      const now = current(ctx);
      const examining =
        suspectsOf(now).size === 0 && now.unexplained.length === 0 && now.coverage.some((c) => c.status === "examined");
      let best: ({ id: string; measured: boolean } & Usefulness) | undefined;
      for (const id of pool) {
        if (!eligible(ctx, id)) continue;
        const u = usefulness(ctx, id);
        if (u.score === 0) continue;
        const candidate = { id, measured: !question(id).choices, ...u };
        const order = best
          ? Number(candidate.measured) - Number(best.measured) ||
            Number(candidate.concludes ?? false) - Number(best.concludes ?? false) ||
            (examining ? hundredths(candidate.settles) - hundredths(best.settles) : 0) ||
            candidate.gain - best.gain ||
            candidate.score - best.score
          : 1;
        if (order > 0) best = candidate;
      }
      return best && { id: best.id, separates: best.separates };
    },
  };
}
