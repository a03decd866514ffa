import { initialTransition, transition, type SnapshotFrom } from "xstate";
import { edgeKey, edgesOf, nodeOf, poolsOf } from "../flows/graph.js";
import { indexTable } from "../evidence/table.js";
import type { Flow, FlowNode, QuestionNode } from "../flows/schema.js";
import { conditionsOf, type FactValue } from "../model/facts.js";
import type { ProbeSpec } from "../probes/types.js";
import {
  compileFlow,
  type DiagnosisMachine,
  type MachineEvent,
  type ProbeDoneEvent,
  type ProbeRunOutput,
} from "./machine.js";
import { routeEdge } from "./route.js";

export type Exploration = {
  /** The distinct walks from start to a conclusion, as node ids. */
  paths: string[][];
  /** Walks that stopped anywhere else, or where the machine and the flow graph disagree (defects). */
  stuck: Array<{ path: string[]; reason: string }>;
  /** Edges of the flow graph that no walk took. */
  untaken: string[];
};

type Snap = SnapshotFrom<DiagnosisMachine>;

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
  const machine = compileFlow(flow, {
    probes,
    causeIds,
    // Routing does not depend on weights, and no question is skipped as settled while exploring.
    weights: indexTable({ groups: {}, notApplicable: {}, rules: [] }),
    skipSettledQuestions: false,
    runProbe: () => Promise.reject(new Error("exploration does not run probes")),
  });
  // Facts that decide where a walk goes: branches, and the preconditions of pooled questions.
  const tests = (n: FlowNode) => [...branchConditions(n), ...(n.kind === "question" ? conditionsOf(n.when) : [])];
  const routingFacts = [...new Set(Object.values(flow.nodes).flatMap((n) => tests(n).map((c) => c.fact)))];
  // Values every condition treats alike are one class: the flow only cares whether `stack` is Java, not which
  // other stack it is. Walks that differ only within a class continue identically.
  const mentioned = new Map<string, Set<FactValue>>();
  for (const c of Object.values(flow.nodes).flatMap(tests)) {
    const values = mentioned.get(c.fact) ?? new Set<FactValue>();
    for (const v of [c.equals, ...(c.in ?? []), ...(c.notIn ?? []), c.above, c.below])
      if (v !== undefined) values.add(v);
    mentioned.set(c.fact, values);
  }
  // Probes only need to vary the facts branches route on: a pool's own answers reach every precondition.
  const branchFacts = [...new Set(Object.values(flow.nodes).flatMap((n) => branchConditions(n).map((c) => c.fact)))];
  const classOf = (fact: string, value: FactValue | undefined): string =>
    value === undefined ? "∅" : typeof value === "number" || mentioned.get(fact)?.has(value) ? String(value) : "other";
  const pools = poolsOf(flow);
  // Facts the rest of a walk can still route on: a fact no node ahead of a walk tests cannot change where it goes, so
  // walks that differ only in such facts are one walk from there on. Inside a pool, what lies ahead is the questions
  // not yet put and the pool's ways out.
  const reachable = new Map<string, Set<string>>();
  const reachableFrom = (from: string): Set<string> => {
    let seen = reachable.get(from);
    if (!seen) {
      seen = new Set<string>();
      const stack = [from];
      while (stack.length) {
        const id = stack.pop()!;
        if (seen.has(id)) continue;
        seen.add(id);
        stack.push(...edgesOf(flow.nodes[id]!).map((e) => e.to));
      }
      reachable.set(from, seen);
    }
    return seen;
  };
  const ahead = (at: string, asked: Set<string>): { questions: string[]; facts: string[] } => {
    const pool = pools.get(at);
    const nodes = pool
      ? [
          pool,
          ...nodeOf(flow, pool, "ask").questions.filter((q) => q === at || !asked.has(q)),
          ...edgesOf(flow.nodes[pool]!).flatMap((e) => (pools.get(e.to) === pool ? [] : [...reachableFrom(e.to)])),
        ]
      : [...reachableFrom(at)];
    const tested = new Set(nodes.flatMap((id) => tests(flow.nodes[id]!).map((c) => c.fact)));
    return {
      questions: pool ? nodes.filter((id) => pools.get(id) === pool) : [],
      facts: routingFacts.filter((f) => tested.has(f)),
    };
  };
  const result: Exploration = { paths: [], stuck: [], untaken: [] };
  const taken = new Set<string>();
  const expanded = new Set<string>();

  const visit = (snap: Snap): void => {
    const at = snap.value;
    if (typeof at !== "string")
      return void result.stuck.push({ path: [], reason: `nested state ${JSON.stringify(at)}` });
    const path = walked(flow, snap, at, taken, result.stuck);
    if (snap.status === "done") return void result.paths.push(path);
    if (snap.status !== "active") return void result.stuck.push({ path, reason: `machine status ${snap.status}` });
    const facts = Object.fromEntries(Object.entries(snap.context.facts).map(([k, f]) => [k, f.value]));
    const asked = new Set(snap.context.transcript.flatMap((t) => (t.kind === "question" ? [t.question] : [])));
    const next = ahead(at, asked);
    const key = [at, next.questions.join(","), ...next.facts.map((f) => classOf(f, facts[f]))].join("|");
    if (expanded.has(key)) return;
    expanded.add(key);

    const node = flow.nodes[at]!;
    // A pooled question's answers all lead back to its pool: one answer per class the flow tells apart is enough.
    const pooled = pools.has(at);
    const answers = (q: QuestionNode): Array<string | null> => {
      const values = q.choices?.map((c) => c.value) ?? [q.input!.example];
      if (!pooled) return [...values, null];
      // An answer nothing routes on leads back to the pool like "unknown" does.
      const fact = q.fact ?? at;
      if (!routingFacts.includes(fact)) return [null];
      return [...new Map(values.map((v) => [classOf(fact, v), v])).values(), null];
    };
    const events: MachineEvent[] =
      node.kind === "question"
        ? answers(node).map((value) => ({ type: "ANSWER", question: at, value, source: "user" }))
        : node.kind === "probe"
          ? probeOutcomes(branchFacts, probes.get(node.probe)!, classOf).map((f) => probeDone(at, node.probe, f))
          : [];
    if (events.length === 0) return void result.stuck.push({ path, reason: `no way out of "${at}"` });
    for (const event of events) {
      const [next] = transition(machine, snap, event);
      if (next.status === "active" && next.value === at)
        result.stuck.push({ path, reason: `${JSON.stringify(event)} was not accepted` });
      else visit(next);
    }
  };
  visit(initialTransition(machine, { facts: {} })[0]);
  result.paths = [...new Map(result.paths.map((p) => [p.join(" → "), p])).values()];

  for (const [id, node] of Object.entries(flow.nodes))
    for (const e of edgesOf(node)) if (!taken.has(edgeKey(id, e))) result.untaken.push(edgeKey(id, e));
  return result;
}

/**
 * The nodes a walk went through, read back from its transcript, and the edge it left each by: recomputed from the
 * facts known at that point, and checked against where the machine actually went.
 */
function walked(flow: Flow, snap: Snap, at: string, taken: Set<string>, stuck: Exploration["stuck"]): string[] {
  const pools = poolsOf(flow);
  // The nodes visited, in order: a pool is entered before each question it asks and returned to after it; questions a
  // pool passed over (known, or not applicable) were never entered.
  const steps: Array<{ node: string; answer: string | null }> = [];
  const push = (node: string, answer: string | null = null) => {
    if (steps.at(-1)?.node !== node) steps.push({ node, answer });
  };
  for (const t of snap.context.transcript) {
    if (t.kind === "probe") push(t.node);
    if (t.kind !== "question") continue;
    const pool = pools.get(t.question);
    if (!pool) push(t.question, t.answer);
    else {
      push(pool);
      if (!t.skipped) {
        steps.push({ node: t.question, answer: t.answer });
        push(pool);
      }
    }
  }
  const waitingIn = pools.get(at);
  if (waitingIn) push(waitingIn);
  const path = [...steps.map((s) => s.node), at];
  const byNode = new Map<string, Array<[string, FactValue]>>();
  for (const [k, f] of Object.entries(snap.context.facts))
    byNode.set(f.from, [...(byNode.get(f.from) ?? []), [k, f.value]]);
  const known: Record<string, FactValue> = {};
  steps.forEach((step, i) => {
    for (const [k, v] of byNode.get(step.node) ?? []) known[k] = v;
    const node = flow.nodes[step.node]!;
    const to = path[i + 1];
    if (node.kind === "conclusion" || to === undefined) return;
    if (node.kind === "ask" && pools.get(to) === step.node) {
      taken.add(edgeKey(step.node, { to, path: [], via: { kind: "pool", question: to } }));
      return;
    }
    const edge = routeEdge(node, known, step.answer);
    if (edge.to !== to)
      stuck.push({ path, reason: `machine went ${step.node} → ${to}, the flow routes to ${edge.to}` });
    taken.add(edgeKey(step.node, { to: edge.to, path: [], via: edge }));
  });
  return path;
}

function branchConditions(n: FlowNode) {
  return n.kind === "conclusion" ? [] : (n.branches ?? []).flatMap((b) => conditionsOf(b.when));
}

function probeOutcomes(
  routingFacts: string[],
  spec: ProbeSpec,
  classOf: (fact: string, value: FactValue) => string,
): Array<Record<string, FactValue>> {
  let combos: Array<Record<string, FactValue>> = [{}];
  for (const fact of routingFacts) {
    // One value of each class the flow tells apart.
    const values = [...new Map((spec.facts[fact]?.values ?? []).map((v) => [classOf(fact, v), v] as const)).values()];
    combos = combos.flatMap((c) => [c, ...values.map((v) => ({ ...c, [fact]: v }))]);
  }
  return combos;
}

function probeDone(node: string, probe: string, facts: Record<string, FactValue>): ProbeDoneEvent {
  const output: ProbeRunOutput = { node, probe, target: "-", status: "ok", durationMs: 0, findings: [], facts };
  return { type: `xstate.done.actor.probe:${node}`, actorId: `probe:${node}`, output };
}
