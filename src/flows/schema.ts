import { z } from "zod";
import { Condition } from "../model/facts.js";

const id = z.string().regex(/^[a-z][a-z0-9-]*$/, "ids are lower-case words joined by hyphens (e.g. lb-affinity)");
const text = z.string().trim().min(1);

export const Branch = z.strictObject({ when: Condition, next: id });
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

export const ConclusionNode = z.strictObject({
  kind: z.literal("conclusion"),
  text: text.optional(),
});
export type ConclusionNode = z.infer<typeof ConclusionNode>;

export const FlowNode = z.discriminatedUnion("kind", [QuestionNode, ProbeNode, ConclusionNode]);
export type FlowNode = z.infer<typeof FlowNode>;

export const Flow = z.strictObject({
  $schema: z.string().optional(),
  id,
  title: text,
  description: text.optional(),
  start: id,
  nodes: z.record(id, FlowNode).refine((n) => Object.keys(n).length > 0, "a flow needs at least one node"),
});
export type Flow = z.infer<typeof Flow>;
