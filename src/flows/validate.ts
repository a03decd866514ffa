import type { DataProblem, PathSegment, YamlSource } from "../data/load-yaml.js";
import type { ProbeSpec } from "../probes/types.js";
import type { Condition } from "../model/facts.js";
import type { Flow, FlowNode } from "./schema.js";
import { conditionsOf } from "../model/facts.js";
import { edgesOf, poolsOf } from "./graph.js";

export type FlowContext = {
  probes: ReadonlyMap<string, ProbeSpec>;
  causes: ReadonlySet<string>;
};

/** Checks what the schema cannot: names that must exist, and a graph in which every path ends in a conclusion. */
export function checkFlow(flow: Flow, source: Pick<YamlSource, "file" | "lineOf">, ctx: FlowContext): DataProblem[] {
  const problems: DataProblem[] = [];
  const problem = (path: PathSegment[], message: string) =>
    problems.push({ file: source.file, path, line: source.lineOf(path), message });
  const ids = Object.keys(flow.nodes);
  const known = `known nodes: ${ids.join(", ")}`;

  if (!flow.nodes[flow.start]) problem(["start"], `start node "${flow.start}" does not exist (${known})`);

  const facts = producedFacts(flow, ctx.probes);
  const checkCondition = (cond: Condition, path: PathSegment[]) => {
    if (!facts.has(cond.fact))
      problem([...path, "fact"], `fact "${cond.fact}" is never set by a question or probe of this flow`);
  };

  for (const [nodeId, node] of Object.entries(flow.nodes)) {
    const at = ["nodes", nodeId];
    for (const edge of edgesOf(node)) {
      if (!flow.nodes[edge.to]) problem([...at, ...edge.path], `target "${edge.to}" does not exist (${known})`);
      if (edge.to === nodeId) problem([...at, ...edge.path], `node "${nodeId}" leads to itself`);
    }
    if (node.kind !== "conclusion")
      node.branches?.forEach((b, i) =>
        conditionsOf(b.when).forEach((c, k) =>
          checkCondition(c, [...at, "branches", i, "when", ...(Array.isArray(b.when) ? [k] : [])]),
        ),
      );
    if (node.kind === "ask") {
      node.questions.forEach((q, i) => {
        const asked = flow.nodes[q];
        if (asked?.kind !== "question") problem([...at, "questions", i], `"${q}" is not a question of this flow`);
        else if (asked.branches || asked.choices?.some((c) => c.next) || asked.next !== nodeId)
          problem(
            ["nodes", q],
            `question "${q}" is asked from the pool "${nodeId}": it goes back there, so it takes no next, branches or choice next`,
          );
      });
    }
    if (node.kind === "question")
      conditionsOf(node.when).forEach((c, i) =>
        checkCondition(c, [...at, "when", ...(Array.isArray(node.when) ? [i] : [])]),
      );
    if (node.kind === "probe" && !ctx.probes.has(node.probe)) {
      problem(
        [...at, "probe"],
        `unknown probe "${node.probe}" (known probes: ${[...ctx.probes.keys()].join(", ") || "none"})`,
      );
    }
    if (node.kind === "question") {
      if (node.input && !new RegExp(node.input.pattern).test(node.input.example)) {
        problem(
          [...at, "input", "example"],
          `example "${node.input.example}" does not match the pattern ${node.input.pattern}`,
        );
      }
      node.informs?.forEach((cause, i) => {
        if (!ctx.causes.has(cause))
          problem([...at, "informs", i], `unknown cause "${cause}" (see \`sessiondoc causes\`)`);
      });
      const seen = new Set<string>();
      node.choices?.forEach((choice, i) => {
        if (seen.has(choice.value)) problem([...at, "choices", i, "value"], `duplicate choice value "${choice.value}"`);
        seen.add(choice.value);
      });
    }
  }
  // Graph checks need every target to exist. With `next` required on every non-conclusion node, an acyclic
  // graph is one in which every path ends in a conclusion.
  if (problems.length === 0) checkGraph(flow, problem);
  return problems;
}

/** Unreachable nodes and cycles. */
function checkGraph(flow: Flow, problem: (path: PathSegment[], message: string) => void): void {
  const reachable = new Set<string>();
  const stack = [flow.start];
  while (stack.length) {
    const id = stack.pop()!;
    if (reachable.has(id)) continue;
    reachable.add(id);
    for (const e of edgesOf(flow.nodes[id]!)) stack.push(e.to);
  }
  for (const id of Object.keys(flow.nodes)) {
    if (!reachable.has(id)) problem(["nodes", id], `node "${id}" cannot be reached from start "${flow.start}"`);
  }

  // Depth-first colouring finds cycles; flows are acyclic so that every path is finite. A pooled question's way back
  // to its pool is not a loop: each question is asked at most once.
  const pools = poolsOf(flow);
  const colour = new Map<string, "grey" | "black">();
  const visit = (id: string, trail: string[]): void => {
    colour.set(id, "grey");
    for (const e of edgesOf(flow.nodes[id]!)) {
      if (pools.get(id) === e.to) continue;
      const c = colour.get(e.to);
      if (c === "grey") {
        const loop = [...trail.slice(trail.indexOf(e.to)), id, e.to].join(" → ");
        problem(["nodes", id, ...e.path], `cycle: ${loop}; flows must not loop back`);
      } else if (!c) visit(e.to, [...trail, id]);
    }
    colour.set(id, "black");
  };
  visit(flow.start, []);
}

/** Every fact some node of the flow can set. */
export function producedFacts(flow: Flow, probes: ReadonlyMap<string, ProbeSpec>): Set<string> {
  const facts = new Set<string>();
  for (const [id, node] of Object.entries(flow.nodes)) {
    if (node.kind === "question") facts.add(factOf(id, node));
    if (node.kind === "probe") for (const f of Object.keys(probes.get(node.probe)?.facts ?? {})) facts.add(f);
  }
  return facts;
}

export function factOf(id: string, node: Extract<FlowNode, { kind: "question" }>): string {
  return node.fact ?? id;
}
