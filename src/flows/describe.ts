import { z } from "zod";
import { Condition, conditionsOf } from "../model/facts.js";
import type { LoadedFlow } from "./load.js";
import { Branch, Choice, TextInput } from "./schema.js";
import { factOf } from "./validate.js";

const routing = { next: z.string(), branches: z.array(Branch) };

/**
 * A flow as `sessiondoc flows show --json` prints it: its nodes as a graph, its questions with what `--answer`
 * takes and when each applies, and its conclusions. A public contract, like the report.
 */
export const FlowDescription = z.strictObject({
  id: z.string(),
  title: z.string(),
  description: z.string().optional(),
  /** The flow's version hash, as diagnoses record it. */
  version: z.string(),
  start: z.string(),
  nodes: z.array(
    z.discriminatedUnion("kind", [
      z.strictObject({ id: z.string(), kind: z.literal("question"), ...routing }),
      z.strictObject({
        id: z.string(),
        kind: z.literal("probe"),
        probe: z.string(),
        params: z.record(z.string(), z.unknown()),
        ...routing,
      }),
      /** A pool: its questions are asked in the order that separates the open causes fastest. */
      z.strictObject({ id: z.string(), kind: z.literal("ask"), questions: z.array(z.string()), ...routing }),
      z.strictObject({ id: z.string(), kind: z.literal("conclusion") }),
    ]),
  ),
  questions: z.array(
    z.strictObject({
      id: z.string(),
      text: z.string(),
      help: z.string().optional(),
      /** The fact the answer sets. */
      fact: z.string(),
      /** Exactly one of these: the values `--answer ID=VALUE` takes, or a free-text input. */
      choices: z.array(Choice).optional(),
      input: TextInput.optional(),
      /** Preconditions: the question is put only while all of these hold (empty: always). */
      when: z.array(Condition),
      /** The pools (ask nodes) it belongs to; empty for a question on the flow's own path. */
      pools: z.array(z.string()),
      /** Causes a text answer helps tell apart. */
      informs: z.array(z.string()).optional(),
    }),
  ),
  conclusions: z.array(z.strictObject({ id: z.string(), text: z.string().optional() })),
});
export type FlowDescription = z.infer<typeof FlowDescription>;

export function describeFlowData({ flow, version }: LoadedFlow): FlowDescription {
  const entries = Object.entries(flow.nodes);
  const poolsOf = (question: string) =>
    entries.flatMap(([id, node]) => (node.kind === "ask" && node.questions.includes(question) ? [id] : []));
  return FlowDescription.parse({
    id: flow.id,
    title: flow.title,
    ...(flow.description ? { description: flow.description } : {}),
    version,
    start: flow.start,
    nodes: entries.map(([id, node]) => {
      if (node.kind === "conclusion") return { id, kind: node.kind };
      const route = { next: node.next, branches: node.branches ?? [] };
      if (node.kind === "probe") return { id, kind: node.kind, probe: node.probe, params: node.params, ...route };
      if (node.kind === "ask") return { id, kind: node.kind, questions: node.questions, ...route };
      return { id, kind: node.kind, ...route };
    }),
    questions: entries.flatMap(([id, node]) =>
      node.kind === "question"
        ? [
            {
              id,
              text: node.text,
              ...(node.help ? { help: node.help } : {}),
              fact: factOf(id, node),
              ...(node.choices ? { choices: node.choices } : { input: node.input }),
              when: conditionsOf(node.when),
              pools: poolsOf(id),
              ...(node.informs ? { informs: node.informs } : {}),
            },
          ]
        : [],
    ),
    conclusions: entries.flatMap(([id, node]) =>
      node.kind === "conclusion" ? [{ id, ...(node.text ? { text: node.text } : {}) }] : [],
    ),
  });
}
