import type { PathSegment } from "../data/load-yaml.js";
import type { Flow, FlowNode } from "./schema.js";

export type Edge = {
  to: string;
  /** Where the edge is written, relative to its node. */
  path: PathSegment[];
  /** How the edge is taken: a choice's value, a branch's index, or the default `next`. */
  via:
    | { kind: "choice"; value: string }
    | { kind: "branch"; index: number }
    | { kind: "next" }
    | { kind: "pool"; question: string };
};

/** A node any edge leaves: every kind but a conclusion. */
export type RoutableNode = Exclude<FlowNode, { kind: "conclusion" }>;

const isKind = <K extends FlowNode["kind"]>(
  node: FlowNode | undefined,
  kind: K,
): node is Extract<FlowNode, { kind: K }> => node?.kind === kind;

/** Node `id`, which the validated flow says is a `kind`: anything else is a defect, named in the error. */
export function nodeOf<K extends FlowNode["kind"]>(flow: Flow, id: string, kind: K): Extract<FlowNode, { kind: K }> {
  const node = flow.nodes[id];
  if (!isKind(node, kind))
    throw new Error(`flow "${flow.id}": "${id}" is ${node ? `a ${node.kind}` : "no node"}, not a ${kind}`);
  return node;
}

/** Node `id` as a node that routes on: a question, probe or pool, never a conclusion. */
export function routableNode(flow: Flow, id: string): RoutableNode {
  const node = flow.nodes[id];
  if (!node || isKind(node, "conclusion"))
    throw new Error(`flow "${flow.id}": "${id}" is ${node ? "a conclusion" : "no node"}, which routes nowhere`);
  return node;
}

export function edgesOf(node: FlowNode): Edge[] {
  if (node.kind === "conclusion") return [];
  const edges: Edge[] = [];
  if (node.kind === "ask")
    node.questions.forEach((q, i) => edges.push({ to: q, path: ["questions", i], via: { kind: "pool", question: q } }));
  if (node.kind === "question") {
    node.choices?.forEach((c, i) => {
      if (c.next) edges.push({ to: c.next, path: ["choices", i, "next"], via: { kind: "choice", value: c.value } });
    });
  }
  node.branches?.forEach((b, i) =>
    edges.push({ to: b.next, path: ["branches", i, "next"], via: { kind: "branch", index: i } }),
  );
  edges.push({ to: node.next, path: ["next"], via: { kind: "next" } });
  return edges;
}

export function edgeKey(from: string, edge: Edge): string {
  const via =
    edge.via.kind === "choice"
      ? `choice:${edge.via.value}`
      : edge.via.kind === "branch"
        ? `branch:${edge.via.index}`
        : "next";
  return `${from} -[${via}]-> ${edge.to}`;
}

/** Each pooled question's pool: the ask node that lists it (its way back is not a loop). */
export function poolsOf(flow: { nodes: Record<string, FlowNode> }): Map<string, string> {
  const pools = new Map<string, string>();
  for (const [id, node] of Object.entries(flow.nodes))
    if (node.kind === "ask") for (const q of node.questions) if (!pools.has(q)) pools.set(q, id);
  return pools;
}
