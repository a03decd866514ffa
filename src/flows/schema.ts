import { z } from "zod";
import { When } from "../model/facts.js";

const id = z.string().regex(/^[a-z][a-z0-9-]*$/, "ids are lower-case words joined by hyphens (e.g. lb-affinity)");
const text = z.string().trim().min(1);

export const Branch = z.strictObject({ when: When, next: id });
export type Branch = z.infer<typeof Branch>;

export const Choice = z.strictObject({
  value: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "choice values are lower-case words joined by hyphens"),
  label: text.max(75),
  next: id.optional(),
});
export type Choice = z.infer<typeof Choice>;

export const TextInput = z.strictObject({
  kind: z.literal("text"),
  placeholder: text.max(150).optional(),
  pattern: z.string().refine((p) => {
    try {
      new RegExp(p);
      return true;
    } catch {
      return false;
    }
  }, "pattern is not a valid regular expression"),
  hint: text.describe("what a valid answer looks like, shown when an answer does not match"),
  example: z.string().min(1).describe("a valid answer, used to exercise every path of the flow"),
});
export type TextInput = z.infer<typeof TextInput>;

const routing = {
  next: id.describe("where to go next; also where an unknown answer or a skipped probe goes"),
  branches: z.array(Branch).optional().describe("checked in order before `next`"),
};

export const QuestionNode = z
  .strictObject({
    kind: z.literal("question"),
    text: text.max(300),
    help: text.max(1000).optional(),
    fact: z.string().min(1).optional().describe("the fact this question sets; defaults to the node id"),
    informs: z
      .array(id)
      .optional()
      .describe("causes a text answer helps tell apart; the question is skipped once they are settled"),
    choices: z.array(Choice).min(2).max(25).optional(),
    input: TextInput.optional(),
    when: When.optional().describe("preconditions: the question applies only while these hold"),
    ...routing,
  })
  .refine((q) => (q.choices === undefined) !== (q.input === undefined), {
    message: "a question has either choices or a text input, not both and not neither",
  });
export type QuestionNode = z.infer<typeof QuestionNode>;

export const ProbeNode = z.strictObject({
  kind: z.literal("probe"),
  probe: z.string().min(1).describe("a registered probe name"),
  params: z.record(z.string(), z.unknown()).default({}),
  ...routing,
});
export type ProbeNode = z.infer<typeof ProbeNode>;

/**
 * A pool of questions asked in the order that separates the open causes fastest: each time, the most useful question
 * whose preconditions hold; none once no answer could change the outcome. Its questions come back to it (their
 * `next` is this node) and then it goes on to `next`.
 */
export const AskNode = z.strictObject({
  kind: z.literal("ask"),
  questions: z.array(id).min(1),
  ...routing,
});
export type AskNode = z.infer<typeof AskNode>;

export const ConclusionNode = z.strictObject({
  kind: z.literal("conclusion"),
  text: text.optional(),
});
export type ConclusionNode = z.infer<typeof ConclusionNode>;

export const FlowNode = z.discriminatedUnion("kind", [QuestionNode, ProbeNode, AskNode, ConclusionNode]);
export type FlowNode = z.infer<typeof FlowNode>;

/** A pooled question goes back to its pool: `next` is written for it unless the file says otherwise. */
function poolReturns(data: unknown): unknown {
  const nodes = (data as { nodes?: Record<string, Record<string, unknown>> })?.nodes;
  if (!nodes || typeof nodes !== "object") return data;
  const filled = { ...nodes };
  for (const [askId, node] of Object.entries(nodes)) {
    if (node?.kind !== "ask" || !Array.isArray(node.questions)) continue;
    for (const q of node.questions)
      if (typeof q === "string" && filled[q] && filled[q]!.kind === "question" && filled[q]!.next === undefined)
        filled[q] = { ...filled[q], next: askId };
  }
  return { ...(data as object), nodes: filled };
}

export const Flow = z.preprocess(
  poolReturns,
  z.strictObject({
    $schema: z.string().optional(),
    id,
    title: text,
    description: text.optional(),
    start: id,
    nodes: z.record(id, FlowNode).refine((n) => Object.keys(n).length > 0, "a flow needs at least one node"),
  }),
);
export type Flow = z.infer<typeof Flow>;
