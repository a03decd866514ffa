import { z } from "zod";
import { Snippet } from "../catalogue/schema.js";
import { AnswerSource } from "../model/diagnosis.js";
import { COVERAGE } from "../engine/assess.js";
import { Verdict } from "../engine/rank.js";
import { ProbeRun } from "../model/findings.js";

/** Targets to give (by kind: url, nodes, redis, session-path, check-path, health-path) and questions to answer. */
const Inputs = z.strictObject({ targets: z.array(z.string()), questions: z.array(z.string()) });

/** The report of one diagnosis: the CLI's `--json` output, and what the Slack app renders. A public contract. */
export const Report = z.strictObject({
  verdict: z.enum(Verdict),
  summary: z.string(),
  diagnosis: z.strictObject({
    id: z.string(),
    flow: z.string(),
    flowVersion: z.string(),
    target: z.string().optional(),
    complete: z.boolean(),
  }),
  causes: z.array(
    z.strictObject({
      id: z.string(),
      title: z.string(),
      confidence: z.number().min(0).max(1),
      summary: z.string(),
      evidence: z.array(
        z.strictObject({
          source: z.enum(["answer", "probe", "log"]),
          ref: z.string(),
          observation: z.string(),
          summary: z.string(),
          weight: z.number(),
          /** This observation alone establishes the cause. */
          confirms: z.boolean(),
          /** False for a weaker observation of a fact that a stronger one already counted. */
          counted: z.boolean(),
        }),
      ),
      /** Whether the cause was looked at, and what would look at it if not. */
      coverage: z.strictObject({
        status: z.enum(COVERAGE),
        examined: z.boolean(),
        why: z.string(),
        inputs: Inputs,
      }),
      fixes: z.array(z.string()),
      snippets: z.array(Snippet),
    }),
  ),
  /** Established causes named with the top one because they are as likely, and further faults also established. */
  close: z.array(z.string()),
  also: z.array(z.string()),
  /** Something is wrong here that no cause explains (such observations rule out "no fault found"). */
  unexplained: z.array(
    z.strictObject({ source: z.enum(["answer", "probe", "log"]), ref: z.string(), summary: z.string() }),
  ),
  /** For an inconclusive verdict: why, and what would settle it. */
  next: z.strictObject({ reason: z.string(), inputs: Inputs }).optional(),
  questions: z.array(
    z.strictObject({
      id: z.string(),
      text: z.string(),
      answer: z.string().nullable(),
      source: AnswerSource,
      skipped: z.string().optional(),
      /** Why it was asked: the causes its answers would separate. */
      separates: z.array(z.string()).optional(),
      /** Targets whose probe would have answered it instead (by kind: redis, nodes …). */
      orGive: z.array(z.string()).optional(),
    }),
  ),
  probes: z.array(ProbeRun.omit({ probe: true }).extend({ id: z.string() })),
  notes: z.array(z.string()),
});
export type Report = z.infer<typeof Report>;
