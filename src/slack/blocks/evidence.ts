import type { KnownBlock } from "@slack/web-api";
import type { DiagnosisRecord } from "../../model/diagnosis.js";
import { clip, escape, LIMITS, section } from "./limits.js";

/** Sections at most: the latest additions are kept when there are more. */
const MAX_ENTRIES = 40;

/**
 * The evidence people added in the thread, one message edited in place as more comes: who added it, with the
 * observations each addition gave (redacted when they were stored), in the order they came.
 */
export function evidenceBlocks(record: DiagnosisRecord): KnownBlock[] {
  const { transcript, evidence } = record.snapshot.context;
  // Each addition appended its items to the evidence in turn: the transcript's counts tell them apart again.
  const logs = evidence.filter((e) => e.source === "log");
  let next = 0;
  const entries = transcript.flatMap((t) => {
    if (t.kind !== "evidence") return [];
    const items = logs.slice(next, (next += t.count)).map((e) => `• ${escape(e.summary)}`);
    const who = t.by ? `<@${t.by}>` : "Someone";
    const what = items.length ? items.join("\n") : "• no known error in it";
    return [section(clip(`📋 ${who} added evidence:\n${what}`, LIMITS.sectionText))];
  });
  return entries.slice(-MAX_ENTRIES) as KnownBlock[];
}
