import type { Edge } from "../flows/graph.js";
import type { Flow, FlowNode, QuestionNode } from "../flows/schema.js";
import { holdsAll, type FactValue, type Facts } from "../model/facts.js";

/** Which edge a node leaves by once its fact (if any) is settled: the chosen choice's `next`, the first matching branch, else `next`. */
export function routeEdge(
  node: Exclude<FlowNode, { kind: "conclusion" }>,
  facts: Facts,
  answer?: FactValue | null,
): Edge["via"] & { to: string } {
  if (node.kind === "question" && answer != null) {
    const chosen = node.choices?.find((c) => c.value === answer);
    if (chosen?.next) return { kind: "choice", value: chosen.value, to: chosen.next };
  }
  const index = node.branches?.findIndex((b) => holdsAll(b.when, facts)) ?? -1;
  return index >= 0 ? { kind: "branch", index, to: node.branches![index]!.next } : { kind: "next", to: node.next };
}

export function route(
  node: Exclude<FlowNode, { kind: "conclusion" }>,
  facts: Facts,
  answer?: FactValue | null,
): string {
  return routeEdge(node, facts, answer).to;
}

/** Every node a node can lead to, for compiling one guarded transition per target. */
export function targetsOf(node: Exclude<FlowNode, { kind: "conclusion" }>): string[] {
  const targets = new Set<string>();
  if (node.kind === "question") node.choices?.forEach((c) => c.next && targets.add(c.next));
  node.branches?.forEach((b) => targets.add(b.next));
  targets.add(node.next);
  return [...targets];
}

/** Null when the answer is acceptable, else what is wrong with it. `null` (unknown) is always acceptable. */
export function answerProblem(node: QuestionNode, value: string | null): string | null {
  if (value === null) return null;
  if (node.choices) {
    return node.choices.some((c) => c.value === value)
      ? null
      : `"${value}" is not a choice; choose one of: ${node.choices.map((c) => c.value).join(", ")}`;
  }
  const input = node.input!;
  return new RegExp(input.pattern).test(value) ? null : `"${value}" is not a valid answer: ${input.hint}`;
}

export function questionNode(flow: Flow, id: string): QuestionNode | undefined {
  const node = flow.nodes[id];
  return node?.kind === "question" ? node : undefined;
}
