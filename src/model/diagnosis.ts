import { z } from "zod";
import { FactValue } from "./facts.js";
import { ProbeRun, ProbeStatus, Rounds } from "./findings.js";

export const AnswerSource = z.enum(["user", "probe", "default"]);
export type AnswerSource = z.infer<typeof AnswerSource>;
/** Why a question was not put to the user: a probe or an answer given up front settled it, no answer could change
 * the outcome, only an unlikely one could overturn the named cause, the interview stopped at its limit while
 * inconclusive, or its preconditions do not hold. */
export const SkipReason = z.enum([
  "answered-by-probe",
  "known-beforehand",
  "no-longer-separates",
  "unlikely-to-change",
  "interview-limit",
  "does-not-apply",
]);
export type SkipReason = z.infer<typeof SkipReason>;

export const KnownFact = z.strictObject({
  value: FactValue,
  source: AnswerSource,
  /** The question, probe node or configuration that set it. */
  from: z.string(),
});
export type KnownFact = z.infer<typeof KnownFact>;

/** The evidence table's key for an observation: `<probe>/<finding>`, `log/<signature>` or `answer/<question>=<value>`. */
export const observationOf = {
  probe: (probe: string, finding: string) => `${probe}/${finding}`,
  log: (signature: string) => `log/${signature}`,
  answer: (question: string, value: string) => `answer/${question}=${value}`,
};

/**
 * One observation a diagnosis made: where it came from and what it says. What it means for each cause is looked up
 * in the evidence table when the diagnosis is ranked, so a record holds observations, never weights.
 */
export const Evidence = z.strictObject({
  id: z.string(),
  source: z.enum(["answer", "probe", "log"]),
  /** The question id, probe node id, or log file name. */
  ref: z.string(),
  observation: z.string(),
  summary: z.string(),
  data: z.record(z.string(), FactValue).optional(),
  /** Something is wrong here whatever explains it (from the probe's finding). */
  anomaly: z.boolean().optional(),
  /** In how many of a repeated probe's rounds it was seen. */
  rounds: Rounds.optional(),
});
export type Evidence = z.infer<typeof Evidence>;

/**
 * Records written before observations existed carried weights instead. Pasted log lines keep their meaning (their
 * signature is in the id); answers and probe findings are rebuilt when such a record is replayed on the current flow.
 */
const StoredEvidence = z.preprocess((v) => {
  if (!v || typeof v !== "object" || "observation" in v || !("effects" in v)) return v;
  const { effects: _effects, ...rest } = v as unknown as Record<string, unknown> & { id: string };
  const signature = /^log:.*:([a-z0-9-]+)$/.exec(rest.id)?.[1];
  return signature ? { ...rest, observation: observationOf.log(signature) } : null;
}, Evidence.nullable());

export const TranscriptEntry = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("question"),
    at: z.string(),
    question: z.string(),
    answer: z.string().nullable(),
    source: AnswerSource,
    by: z.string().optional(),
    /** Why a question was not put to the user. */
    skipped: SkipReason.optional(),
    /** Why it was asked: the causes its answers would separate at that point. */
    separates: z.array(z.string()).optional(),
  }),
  z.strictObject({
    kind: z.literal("probe"),
    at: z.string(),
    node: z.string(),
    probe: z.string(),
    status: ProbeStatus,
  }),
  z.strictObject({
    kind: z.literal("evidence"),
    at: z.string(),
    ref: z.string(),
    count: z.number(),
    by: z.string().optional(),
  }),
  z.strictObject({ kind: z.literal("note"), at: z.string(), text: z.string() }),
]);
export type TranscriptEntry = z.infer<typeof TranscriptEntry>;

export const DiagnosisContext = z.strictObject({
  facts: z.record(z.string(), KnownFact),
  evidence: z.array(StoredEvidence).transform((items) => items.filter((e): e is Evidence => e !== null)),
  transcript: z.array(TranscriptEntry),
  probes: z.array(ProbeRun),
});
export type DiagnosisContext = z.infer<typeof DiagnosisContext>;

export function emptyContext(facts: DiagnosisContext["facts"] = {}): DiagnosisContext {
  return { facts, evidence: [], transcript: [], probes: [] };
}

export function factValues(ctx: Pick<DiagnosisContext, "facts">): Record<string, FactValue> {
  return Object.fromEntries(Object.entries(ctx.facts).map(([k, f]) => [k, f.value]));
}

/** The persisted XState snapshot; its context is the diagnosis' evidence, transcript and probe runs. */
export const PersistedSnapshot = z.looseObject({
  status: z.enum(["active", "done", "error", "stopped"]),
  value: z.unknown(),
  context: DiagnosisContext,
});

/** One diagnosis, complete and serializable: what any process needs to show it or continue it. */
export const DiagnosisRecord = z.strictObject({
  id: z.string().min(1),
  flow: z.strictObject({ id: z.string(), version: z.string() }),
  snapshot: PersistedSnapshot,
  /** What was probed, for display: a target name or URLs with credentials removed. */
  target: z.string().optional(),
  /** Free-form labels from the door (channel, thread, who started it). */
  meta: z.record(z.string(), z.string()).default({}),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type DiagnosisRecord = z.infer<typeof DiagnosisRecord>;

export function isDone(record: DiagnosisRecord): boolean {
  return record.snapshot.status === "done";
}
