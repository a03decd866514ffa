import { z } from "zod";
import { DiagnosisContext } from "./context.js";

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
