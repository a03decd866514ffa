import { z } from "zod";
import { Snippet } from "../catalogue/schema.js";
import { AnswerSource } from "../engine/context.js";
import { Verdict } from "../engine/rank.js";
import { Finding, ProbeStatus } from "../probes/types.js";

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
          summary: z.string(),
          weight: z.number(),
        }),
      ),
      fixes: z.array(z.string()),
      snippets: z.array(Snippet),
    }),
  ),
  questions: z.array(
    z.strictObject({
      id: z.string(),
      text: z.string(),
      answer: z.string().nullable(),
      source: AnswerSource,
      skipped: z.string().optional(),
    }),
  ),
  probes: z.array(
    z.strictObject({
      id: z.string(),
      node: z.string(),
      target: z.string(),
      status: ProbeStatus,
      durationMs: z.number(),
      findings: z.array(Finding),
      error: z.string().optional(),
    }),
  ),
  notes: z.array(z.string()),
});
export type Report = z.infer<typeof Report>;
