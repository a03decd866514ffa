import { z } from "zod";
import { FactValue } from "../flows/schema.js";
import { Finding, FindingEffect, ProbeStatus } from "../probes/types.js";

export const AnswerSource = z.enum(["user", "probe", "default"]);
export type AnswerSource = z.infer<typeof AnswerSource>;

export const KnownFact = z.strictObject({
  value: FactValue,
  source: AnswerSource,
  /** The question, probe node or configuration that set it. */
  from: z.string(),
});
export type KnownFact = z.infer<typeof KnownFact>;

/** One piece of evidence: where it came from, what it says, and which causes it supports or rules out. */
export const Evidence = z.strictObject({
  id: z.string(),
  source: z.enum(["answer", "probe", "log"]),
  /** The question id, probe node id, or log file name. */
  ref: z.string(),
  summary: z.string(),
  effects: z.array(FindingEffect),
});
export type Evidence = z.infer<typeof Evidence>;

export const TranscriptEntry = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("question"),
    at: z.string(),
    question: z.string(),
    answer: z.string().nullable(),
    source: AnswerSource,
    by: z.string().optional(),
    /** Why a question was not put to the user. */
    skipped: z.enum(["answered-by-probe", "known-beforehand", "no-longer-separates"]).optional(),
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

export const ProbeRun = z.strictObject({
  node: z.string(),
  probe: z.string(),
  target: z.string(),
  status: ProbeStatus,
  durationMs: z.number(),
  findings: z.array(Finding),
  error: z.string().optional(),
});
export type ProbeRun = z.infer<typeof ProbeRun>;

export const DiagnosisContext = z.strictObject({
  facts: z.record(z.string(), KnownFact),
  evidence: z.array(Evidence),
  transcript: z.array(TranscriptEntry),
  probes: z.array(ProbeRun),
});
export type DiagnosisContext = z.infer<typeof DiagnosisContext>;

export function emptyContext(facts: DiagnosisContext["facts"] = {}): DiagnosisContext {
  return { facts, evidence: [], transcript: [], probes: [] };
}

/** Events a diagnosis accepts from its doors. */
/** `source: "default"` is an unanswered question taken as unknown; `by` names who answered. */
export type AnswerEvent = {
  type: "ANSWER";
  question: string;
  value: string | null;
  source: "user" | "default";
  by?: string;
};
export type EvidenceEvent = { type: "EVIDENCE"; ref: string; items: Evidence[]; by?: string };
export type NoteEvent = { type: "NOTE"; text: string };
export type DiagnosisEvent = AnswerEvent | EvidenceEvent | NoteEvent;

/** Pasted evidence added to a diagnosis, with its transcript entry; used while it runs and after it finished. */
export function withEvidence(
  context: DiagnosisContext,
  e: EvidenceEvent,
  at: string,
): Pick<DiagnosisContext, "evidence" | "transcript"> {
  const entry: TranscriptEntry = {
    kind: "evidence",
    at,
    ref: e.ref,
    count: e.items.length,
    ...(e.by ? { by: e.by } : {}),
  };
  return { evidence: [...context.evidence, ...e.items], transcript: [...context.transcript, entry] };
}
