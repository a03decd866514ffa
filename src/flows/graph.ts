import type { PathSegment } from "../data/load-yaml.js";
import type { FlowNode } from "./schema.js";

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
