import { assertEvent, assign, fromPromise, setup, type DoneActorEvent } from "xstate";
import { pointsToCause, type Weights } from "../evidence/table.js";
import { nodeOf, poolsOf, routableNode } from "../flows/graph.js";
import type { Flow } from "../flows/schema.js";
import { factOf } from "../flows/validate.js";
import {
  emptyContext,
  factValues,
  observationOf,
  type DiagnosisContext,
  type Evidence,
  type KnownFact,
  type SkipReason,
  type TranscriptEntry,
} from "../model/diagnosis.js";
import { holdsAll, type Facts } from "../model/facts.js";
import type { ProbeRun } from "../model/findings.js";
import type { ProbeSpec } from "../probes/types.js";
import { withEvidence, type AnswerEvent, type DiagnosisEvent } from "./context.js";
import { answerEvidence, makeChooser } from "./choose.js";
import { answerProblem, route, targetsOf } from "./route.js";
import { forWeighing } from "./repeat.js";

export type ProbeInput = { node: string; probe: string; params: Record<string, unknown> };
export type ProbeRunOutput = ProbeRun & { facts: Facts };
export type RunProbe = (input: ProbeInput, facts: Facts, signal: AbortSignal) => Promise<ProbeRunOutput>;

export type CompileOptions = {
  probes: ReadonlyMap<string, ProbeSpec>;
  causeIds: readonly string[];
  weights: Weights;
  runProbe: RunProbe;
  /** Exploring every path needs every question asked; real diagnoses skip the ones that no longer separate. */
  skipSettledQuestions?: boolean;
  now?: () => Date;
};

/** XState's event when the probe invoked as `probe:<node>` has finished. */
export type ProbeDoneEvent = DoneActorEvent<ProbeRunOutput>;
/** Every event the machine takes: the doors' events, and its probes finishing. */
export type MachineEvent = DiagnosisEvent | ProbeDoneEvent;

type NodeParams = { node: string };
type RouteParams = { node: string; to: string };
type MachineInput = { facts?: DiagnosisContext["facts"] };

/**
 * Compiles a validated flow into an XState machine. Behaviour is named once here (guards, actions, one actor per
 * probe) and the flow's nodes refer to it by name, so the machine itself is plain data, and so is its snapshot.
 */
export function compileFlow(flow: Flow, opts: CompileOptions) {
  const now = () => (opts.now?.() ?? new Date()).toISOString();
  const question = (id: string) => nodeOf(flow, id, "question");
  const isAnswerTo = (event: MachineEvent, id: string): event is AnswerEvent =>
    event.type === "ANSWER" && event.question === id && answerProblem(question(id), event.value) === null;

  const actors = Object.fromEntries(
    [...opts.probes.keys()].map((name) => [
      name,
      fromPromise<ProbeRunOutput, ProbeInput & { facts: Facts }>(({ input, signal }) =>
        opts.runProbe({ node: input.node, probe: input.probe, params: input.params }, input.facts, signal),
      ),
    ]),
  );

  const answerEvidenceOf = (id: string, value: string | null): Evidence[] =>
    answerEvidence(id, question(id), value, opts.weights);
  const chooser = makeChooser(flow, { weights: opts.weights, causeIds: opts.causeIds, probes: opts.probes });
  const pools = poolsOf(flow);
  const picks = new WeakMap<DiagnosisContext, Map<string, string | undefined>>();
  /** The question an ask node puts next (memoised: every guard of the node asks the same thing). */
  const pick = (context: DiagnosisContext, askId: string): string | undefined => {
    let byAsk = picks.get(context);
    if (!byAsk) picks.set(context, (byAsk = new Map()));
    if (!byAsk.has(askId)) {
      const pool = nodeOf(flow, askId, "ask").questions;
      // Exploring every path walks the pool in its written order; a diagnosis asks the most useful question.
      byAsk.set(
        askId,
        opts.skipSettledQuestions === false
          ? pool.find((q) => chooser.eligible(context, q))
          : chooser.next(context, pool)?.id,
      );
    }
    return byAsk.get(askId);
  };
  const machineSetup = setup({
    types: { context: {} as DiagnosisContext, events: {} as MachineEvent, input: {} as MachineInput },
    actors,
    guards: {
      answerRoutesTo: ({ context, event }, { node, to }: RouteParams) => {
        if (!isAnswerTo(event, node)) return false;
        const facts = { ...factValues(context) };
        if (event.value !== null) facts[factOf(node, question(node))] = event.value;
        return route(question(node), facts, event.value) === to;
      },
      knownRoutesTo: ({ context }, { node, to }: RouteParams) => {
        const known = context.facts[factOf(node, question(node))];
        return known !== undefined && route(question(node), factValues(context), known.value) === to;
      },
      // A question on the flow's own path is passed over only when it bears on causes and no answer would move them.
      settledRoutesTo: ({ context }, { node, to }: RouteParams) =>
        opts.skipSettledQuestions !== false &&
        chooser.speaksTo(node).length > 0 &&
        chooser.usefulness(context, node).score === 0 &&
        route(question(node), factValues(context), null) === to,
      chosen: ({ context }, { node, to }: RouteParams) => pick(context, node) === to,
      poolDoneRoutesTo: ({ context }, { node, to }: RouteParams) =>
        pick(context, node) === undefined && route(routableNode(flow, node), factValues(context)) === to,
      probeRoutesTo: ({ context, event }, { node, to }: RouteParams) => {
        assertEvent(event, "xstate.done.actor.*");
        return route(routableNode(flow, node), { ...factValues(context), ...event.output.facts }) === to;
      },
    },
    actions: {
      recordAnswer: assign(({ context, event }, { node }: NodeParams) => {
        assertEvent(event, "ANSWER");
        const fact = factOf(node, question(node));
        const source = event.source;
        const facts =
          event.value === null
            ? context.facts
            : { ...context.facts, [fact]: { value: event.value, source, from: node } satisfies KnownFact };
        // Why a pooled question was asked: the causes its answers would have separated when it was chosen.
        const separates =
          pools.has(node) && opts.skipSettledQuestions !== false ? chooser.usefulness(context, node).separates : [];
        const entry: TranscriptEntry = {
          kind: "question",
          at: now(),
          question: node,
          answer: event.value,
          source,
          ...(event.by ? { by: event.by } : {}),
          ...(separates.length ? { separates } : {}),
        };
        return {
          facts,
          evidence: [
            ...context.evidence.filter((x) => x.id !== `answer:${node}`),
            ...answerEvidenceOf(node, event.value),
          ],
          transcript: [...context.transcript, entry],
        };
      }),
      recordKnownAnswer: assign(({ context }, { node }: NodeParams) => {
        const known = context.facts[factOf(node, question(node))]!;
        const skipped =
          known.source === "probe" ? "answered-by-probe" : known.source === "default" ? "known-beforehand" : undefined;
        const entry: TranscriptEntry = {
          kind: "question",
          at: now(),
          question: node,
          answer: String(known.value),
          source: known.source,
          ...(skipped ? { skipped } : {}),
        };
        // A probe's findings carry their own evidence; an answer given up front counts like one given now.
        const evidence = known.source === "probe" ? [] : answerEvidenceOf(node, String(known.value));
        return { transcript: [...context.transcript, entry], evidence: [...context.evidence, ...evidence] };
      }),
      recordKnownInPool: assign(({ context }, { node }: NodeParams) => {
        // Questions whose fact is already known (by a probe, beforehand, or an answer given up front) are not asked;
        // their answers count from the start so that the choice of the others takes them into account.
        const seen = new Set(context.transcript.flatMap((t) => (t.kind === "question" ? [t.question] : [])));
        const known = nodeOf(flow, node, "ask").questions.filter(
          (q) => !seen.has(q) && context.facts[factOf(q, question(q))] !== undefined,
        );
        if (!known.length) return {};
        const entries: TranscriptEntry[] = [];
        const evidence: Evidence[] = [];
        for (const q of known) {
          const fact = context.facts[factOf(q, question(q))]!;
          const skipped =
            fact.source === "probe" ? "answered-by-probe" : fact.source === "default" ? "known-beforehand" : undefined;
          entries.push({
            kind: "question",
            at: now(),
            question: q,
            answer: String(fact.value),
            source: fact.source,
            ...(skipped ? { skipped } : {}),
          });
          if (fact.source !== "probe") evidence.push(...answerEvidenceOf(q, String(fact.value)));
        }
        return { transcript: [...context.transcript, ...entries], evidence: [...context.evidence, ...evidence] };
      }),
      recordPassedOver: assign(({ context }, { node }: NodeParams) => {
        const seen = new Set(context.transcript.flatMap((t) => (t.kind === "question" ? [t.question] : [])));
        const facts = factValues(context);
        const choosing = opts.skipSettledQuestions !== false;
        const limited = choosing && chooser.limitReached(context);
        const whySkipped = (q: string): SkipReason => {
          if (!holdsAll(question(q).when, facts)) return "does-not-apply";
          if (!choosing) return "no-longer-separates";
          const u = chooser.usefulness(context, q);
          if (u.unlikely) return "unlikely-to-change";
          return limited && u.score > 0 ? "interview-limit" : "no-longer-separates";
        };
        const entries: TranscriptEntry[] = nodeOf(flow, node, "ask")
          .questions.filter((q) => !seen.has(q))
          .map((q) => ({
            kind: "question",
            at: now(),
            question: q,
            answer: null,
            source: "default",
            skipped: whySkipped(q),
          }));
        return { transcript: [...context.transcript, ...entries] };
      }),
      recordSettled: assign(({ context }, { node }: NodeParams) => ({
        transcript: [
          ...context.transcript,
          {
            kind: "question",
            at: now(),
            question: node,
            answer: null,
            source: "default",
            skipped: "no-longer-separates",
          } satisfies TranscriptEntry,
        ],
      })),
      recordProbe: assign(({ context, event }) => {
        assertEvent(event, "xstate.done.actor.*");
        const { facts, ...run } = event.output;
        // What a person said up front stands; a probe only fills in what nobody said.
        const newFacts = Object.fromEntries(
          Object.entries(facts)
            .filter(([k]) => context.facts[k]?.source !== "user")
            .map(([k, value]) => [k, { value, source: "probe", from: run.node } satisfies KnownFact]),
        );
        // Findings the table weighs, and anomalies whatever explains them, become the diagnosis' evidence.
        const evidence: Evidence[] = forWeighing(run.findings, (f) => pointsToCause(opts.weights, run.probe, f.id))
          .filter((f) => f.anomaly || opts.weights.rule(observationOf.probe(run.probe, f.id)))
          .map((f) => ({
            id: `probe:${run.node}:${f.id}`,
            source: "probe",
            ref: run.node,
            observation: observationOf.probe(run.probe, f.id),
            summary: f.summary,
            ...(f.data ? { data: f.data } : {}),
            ...(f.anomaly ? { anomaly: true } : {}),
            ...(f.rounds ? { rounds: f.rounds } : {}),
          }));
        return {
          facts: { ...context.facts, ...newFacts },
          evidence: [...context.evidence, ...evidence],
          probes: [...context.probes, run],
          transcript: [
            ...context.transcript,
            {
              kind: "probe",
              at: now(),
              node: run.node,
              probe: run.probe,
              status: run.status,
            } satisfies TranscriptEntry,
          ],
        };
      }),
      recordEvidence: assign(({ context, event }) => {
        assertEvent(event, "EVIDENCE");
        return withEvidence(context, event, now());
      }),
      recordNote: assign(({ context, event }) => {
        assertEvent(event, "NOTE");
        const entry: TranscriptEntry = { kind: "note", at: now(), text: event.text };
        return { transcript: [...context.transcript, entry] };
      }),
    },
  });

  type StateConfig = Parameters<typeof machineSetup.createStateConfig>[0];
  const states: Record<string, StateConfig> = {};
  for (const [id, node] of Object.entries(flow.nodes)) {
    const meta = { kind: node.kind };
    if (node.kind === "conclusion") {
      states[id] = { type: "final", meta };
      continue;
    }
    const targets = targetsOf(node);
    const routes = (
      guard: "knownRoutesTo" | "settledRoutesTo" | "answerRoutesTo" | "probeRoutesTo",
      action: "recordKnownAnswer" | "recordSettled" | "recordAnswer" | "recordProbe",
    ) =>
      targets.map((to) => ({
        guard: { type: guard, params: { node: id, to } },
        target: to,
        actions: { type: action, params: { node: id } },
      }));
    if (node.kind === "ask") {
      const leave = [...(node.branches ?? []).map((b) => b.next), node.next].map((to) => ({
        guard: { type: "poolDoneRoutesTo" as const, params: { node: id, to } },
        target: to,
        actions: { type: "recordPassedOver" as const, params: { node: id } },
      }));
      states[id] = {
        meta,
        entry: { type: "recordKnownInPool", params: { node: id } },
        always: [
          ...node.questions.map((q) => ({
            guard: { type: "chosen" as const, params: { node: id, to: q } },
            target: q,
          })),
          ...leave,
        ],
      };
    } else if (node.kind === "question") {
      states[id] = {
        meta,
        always: [...routes("knownRoutesTo", "recordKnownAnswer"), ...routes("settledRoutesTo", "recordSettled")],
        on: { ANSWER: routes("answerRoutesTo", "recordAnswer") },
      };
    } else {
      states[id] = {
        meta,
        invoke: {
          id: `probe:${id}`,
          src: node.probe,
          input: ({ context }) => ({ node: id, probe: node.probe, params: node.params, facts: factValues(context) }),
          onDone: routes("probeRoutesTo", "recordProbe"),
        },
      };
    }
  }

  // Guard and action names and their params are checked by the compiler; state ids and probe names come from the
  // flow, and are checked when it loads.
  return machineSetup.createMachine({
    id: flow.id,
    context: ({ input }) => emptyContext(input.facts),
    initial: flow.start,
    on: { EVIDENCE: { actions: "recordEvidence" }, NOTE: { actions: "recordNote" } },
    states,
  });
}

/** A compiled flow; its snapshots are `SnapshotFrom<DiagnosisMachine>`. */
export type DiagnosisMachine = ReturnType<typeof compileFlow>;
