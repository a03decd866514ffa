import { z } from "zod";
import { FactValue } from "./facts.js";

/** In how many of a repeated probe's rounds (`--repeat`) a finding was seen, of the rounds in which the probe ran. */
export const Rounds = z.strictObject({ seen: z.number().int().min(1), of: z.number().int().min(2) });
export type Rounds = z.infer<typeof Rounds>;

/**
 * Seen in one round of several: one failed request of a healthy system looks like this, so it is shown and keeps a
 * diagnosis from an all-clear, but it is not weighed for or against any cause.
 */
export const seenOnce = (rounds: Rounds | undefined): boolean => rounds?.seen === 1;

/**
 * What a probe observed: an id stable within the probe, a sentence with the numbers behind it, and the numbers.
 * A finding carries no weights: what it means for each cause is in the evidence table (catalogue/evidence.yaml).
 */
export const Finding = z.strictObject({
  id: z.string().describe("stable within the probe, e.g. evicted-keys"),
  summary: z.string().describe("one sentence with the numbers behind it; never a secret"),
  data: z.record(z.string(), FactValue).optional(),
  /** Something is wrong here, whether or not a cause of the catalogue explains it; it rules out "no fault found". */
  anomaly: z.boolean().optional(),
  rounds: Rounds.optional(),
});
export type Finding = z.infer<typeof Finding>;

export const ProbeStatus = z.enum(["ok", "partial", "failed", "skipped"]);
export type ProbeStatus = z.infer<typeof ProbeStatus>;

export const ProbeOutcome = z.strictObject({
  status: ProbeStatus,
  target: z.string().describe("what was probed, credentials removed"),
  findings: z.array(Finding),
  facts: z.record(z.string(), FactValue).default({}),
});
export type ProbeOutcome = z.infer<typeof ProbeOutcome>;

/** One probe run of a diagnosis, as kept in its record and shown in its report. */
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
