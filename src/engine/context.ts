import type { DiagnosisContext, Evidence, TranscriptEntry } from "../model/diagnosis.js";

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
