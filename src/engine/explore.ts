import { initialTransition, transition, type AnyStateMachine } from "xstate";
import { edgeKey, edgesOf, type Edge } from "../flows/graph.js";
import { indexTable } from "../evidence/table.js";
import type { Flow } from "../flows/schema.js";
import type { DiagnosisContext } from "../model/diagnosis.js";
import type { FactValue } from "../model/facts.js";
import type { ProbeSpec } from "../probes/types.js";
import { compileFlow, type ProbeRunOutput } from "./machine.js";
import { routeEdge } from "./route.js";

export type Exploration = {
  /** The distinct walks from start to a conclusion, as node ids. */
  paths: string[][];
  /** Walks that stopped anywhere else, or where the machine and the flow graph disagree (defects). */
  stuck: Array<{ path: string[]; reason: string }>;
  /** Edges of the flow graph that no walk took. */
  untaken: string[];
};

type Snap = { status: string; value: unknown; context: DiagnosisContext };

/**
 * Walks every path of a flow through its compiled machine with XState's pure `transition()`: every answer of every
 * question (and "unknown"), and every outcome of a probe for the facts any branch tests. Walks that reach a node with the
 * same routing facts continue identically, so each such node is expanded once.
 */
export function exploreFlow(
  flow: Flow,
  probes: ReadonlyMap<string, ProbeSpec>,
  causeIds: readonly string[],
): Exploration {
  const machine: AnyStateMachine = compileFlow(flow, {
    probes,
    causeIds,
    // Routing does not depend on weights, and no question is skipped as settled while exploring.
    weights: indexTable({ groups: {}, notApplicable: {}, rules: [] }),
    skipSettledQuestions: false,
    runProbe: () => Promise.reject(new Error("exploration does not run probes")),
  });
  const routingFacts = [
    ...new Set(
      Object.values(flow.nodes).flatMap((n) =>
        n.kind === "conclusion" ? [] : (n.branches ?? []).map((b) => b.when.fact),
      ),
    ),
  ];
  const result: Exploration = { paths: [], stuck: [], untaken: [] };
  const taken = new Set<string>();
  const expanded = new Set<string>();

  const visit = (snap: Snap): void => {
    const path = walked(flow, snap, taken, result.stuck);
    if (snap.status === "done") return void result.paths.push(path);
    if (snap.status !== "active") return void result.stuck.push({ path, reason: `machine status ${snap.status}` });
    const at = snap.value as string;
    const facts = Object.fromEntries(Object.entries(snap.context.facts).map(([k, f]) => [k, f.value]));
    const key = `${at}|${JSON.stringify(routingFacts.map((f) => facts[f] ?? null))}`;
    if (expanded.has(key)) return;
    expanded.add(key);

    const node = flow.nodes[at]!;
    const events =
      node.kind === "question"
        ? [...(node.choices?.map((c) => c.value) ?? [node.input!.example]), null].map((value) => ({
            type: "ANSWER",
            question: at,
            value,
            source: "user",
          }))
        : node.kind === "probe"
          ? probeOutcomes(routingFacts, probes.get(node.probe)!).map((f) => probeDone(at, node.probe, f))
          : [];
    if (events.length === 0) return void result.stuck.push({ path, reason: `no way out of "${at}"` });
    for (const event of events) {
      const [next] = transition(machine, snap as never, event as never) as unknown as [Snap];
      if (next.status === "active" && next.value === at)
        result.stuck.push({ path, reason: `${JSON.stringify(event)} was not accepted` });
      else visit(next);
    }
  };
  visit(initialTransition(machine, { facts: {} })[0] as unknown as Snap);
  result.paths = [...new Map(result.paths.map((p) => [p.join(" → "), p])).values()];

  for (const [id, node] of Object.entries(flow.nodes))
    for (const e of edgesOf(node)) if (!taken.has(edgeKey(id, e))) result.untaken.push(edgeKey(id, e));
  return result;
}

/**
 * The nodes a walk went through, read back from its transcript, and the edge it left each by: recomputed from the
 * facts known at that point, and checked against where the machine actually went.
 */
function walked(flow: Flow, snap: Snap, taken: Set<string>, stuck: Exploration["stuck"]): string[] {
  const steps = snap.context.transcript.flatMap((t) =>
    t.kind === "question"
      ? [{ node: t.question, answer: t.answer }]
      : t.kind === "probe"
        ? [{ node: t.node, answer: null }]
        : [],
  );
  const path = [...steps.map((s) => s.node), snap.value as string];
  steps.forEach((step, i) => {
    const node = flow.nodes[step.node]!;
    if (node.kind === "conclusion") return;
    const upTo = new Set(path.slice(0, i + 1));
    const facts = Object.fromEntries(
      Object.entries(snap.context.facts)
        .filter(([, f]) => upTo.has(f.from))
        .map(([k, f]) => [k, f.value]),
    );
    const edge = routeEdge(node, facts, step.answer);
    if (edge.to !== path[i + 1])
      stuck.push({ path, reason: `machine went ${step.node} → ${path[i + 1]}, the flow routes to ${edge.to}` });
    taken.add(edgeKey(step.node, { to: edge.to, path: [], via: edge } as Edge));
  });
  return path;
}

function probeOutcomes(routingFacts: string[], spec: ProbeSpec): Array<Record<string, FactValue>> {
  let combos: Array<Record<string, FactValue>> = [{}];
  for (const fact of routingFacts) {
    const values = spec.facts[fact]?.values ?? [];
    combos = combos.flatMap((c) => [c, ...values.map((v) => ({ ...c, [fact]: v }))]);
  }
  return combos;
}

function probeDone(node: string, probe: string, facts: Record<string, FactValue>) {
  const output: ProbeRunOutput = { node, probe, target: "-", status: "ok", durationMs: 0, findings: [], facts };
  return { type: `xstate.done.actor.probe:${node}`, output };
}
