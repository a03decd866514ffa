import { observationOf, type Evidence } from "../model/diagnosis.js";
import { redactText } from "../redact.js";
import { SIGNATURES, type Signature } from "./signatures.js";

/** Pasted text beyond this is not read: a log excerpt, not a whole log file. */
export const MAX_LOG_BYTES = 5 * 1024 * 1024;
const EXCERPT = 160;
/** A line is redacted whole before it is cut, so a secret that straddles the cut is still recognised. */
const REDACT_SPAN = 4096;

/**
 * Matches log or stack-trace text against the known signatures. Each signature found becomes one evidence item
 * naming its first matching line (redacted) and how often it occurred.
 */
export function evidenceFromLog(text: string, ref: string, signatures: readonly Signature[] = SIGNATURES): Evidence[] {
  const lines = text.slice(0, MAX_LOG_BYTES).split(/\r?\n/);
  const hits = new Map<Signature, { line: number; text: string; count: number }>();
  lines.forEach((line, i) => {
    for (const sig of signatures) {
      if (!sig.pattern.test(line)) continue;
      const hit = hits.get(sig);
      if (hit) hit.count++;
      else hits.set(sig, { line: i + 1, text: line.trim(), count: 1 });
    }
  });
  return [...hits].map(([sig, hit]) => {
    const line = redactText(hit.text.slice(0, REDACT_SPAN));
    const excerpt = line.length > EXCERPT ? `${line.slice(0, EXCERPT)}…` : line;
    const times = hit.count > 1 ? ` (${hit.count} lines)` : "";
    return {
      id: `log:${ref}:${sig.id}`,
      source: "log",
      ref,
      summary: `${sig.title} — ${ref} line ${hit.line}${times}: ${excerpt}`,
      observation: observationOf.log(sig.id),
      data: { lines: hit.count },
      // An error line pasted from an incident is something wrong, whichever cause turns out to explain it.
      anomaly: true,
    };
  });
}
