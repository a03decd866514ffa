import type { PathSegment } from "../data/load-yaml.js";
import type { FlowNode } from "./schema.js";

export type Edge = {
  to: string;
  /** Where the edge is written, relative to its node. */
  path: PathSegment[];
  /** How the edge is taken: a choice's value, a branch's index, or the default `next`. */
  via: { kind: "choice"; value: string } | { kind: "branch"; index: number } | { kind: "next" };
};

export function edgesOf(node: FlowNode): Edge[] {
  if (node.kind === "conclusion") return [];
  const edges: Edge[] = [];
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
