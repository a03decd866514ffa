import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { createActor, waitFor, type ActorRefFrom, type Snapshot, type SnapshotFrom } from "xstate";
import type { Catalogue } from "../catalogue/schema.js";
import type { LoadedFlow } from "../flows/load.js";
import type { QuestionNode } from "../flows/schema.js";
import { factOf } from "../flows/validate.js";
import { pointsToCause, type Weights } from "../evidence/table.js";
import { DiagnosisRecord, isDone, type DiagnosisContext, type KnownFact } from "../model/diagnosis.js";
import type { Targets } from "../model/targets.js";
import type { ProbeRegistry } from "../probes/types.js";
import type { DiagnosisStore } from "../store/types.js";
import { withEvidence, type AnswerEvent, type EvidenceEvent } from "./context.js";
import { compileFlow, type DiagnosisMachine } from "./machine.js";
import { makeProbeRunner, type Progress } from "./probe-runner.js";
import type { Repeat } from "./repeat.js";
import { answerProblem, questionNode } from "./route.js";

export type EngineOptions = {
  flows: ReadonlyMap<string, LoadedFlow>;
  catalogue: Catalogue;
  probes: ProbeRegistry;
  weights: Weights;
  store: DiagnosisStore;
  log: Logger;
  probeTimeoutMs?: number;
};

/**
 * What the door needs for one step: where probes may look, who to tell about progress, per-probe settings over the
 * flow's own (e.g. how long http.health watches), and when the step's probes must be over (ms since epoch), whatever
 * they are waiting for.
 */
export type StepOptions = {
  targets: Targets;
  onProgress?: (p: Progress) => void;
  probeParams?: Record<string, Record<string, unknown>>;
  deadline?: number;
  repeat?: Repeat;
};

type DiagnosisActor = ActorRefFrom<DiagnosisMachine>;

export type PendingQuestion = { id: string; node: QuestionNode };

export type Step = { record: DiagnosisRecord; pending: PendingQuestion | null };

/** Answers a question or returns undefined to stop and wait (for a click, a prompt, another process). */
export type AnswerSource = (q: PendingQuestion) => Promise<AnswerEvent | undefined> | AnswerEvent | undefined;

export class DiagnosisError extends Error {
  constructor(
    readonly code: "not-found" | "unknown-flow" | "stale-question" | "invalid-answer" | "finished",
    message: string,
  ) {
    super(message);
    this.name = "DiagnosisError";
  }
}

export type Engine = ReturnType<typeof createEngine>;

export function createEngine(opts: EngineOptions) {
  const causeIds = opts.catalogue.causes.map((c) => c.id);

  const flowFor = (flowId: string): LoadedFlow => {
    const loaded = opts.flows.get(flowId);
    if (!loaded)
      throw new DiagnosisError(
        "unknown-flow",
        `flow "${flowId}" is not loaded (flows: ${[...opts.flows.keys()].join(", ")})`,
      );
    return loaded;
  };

  const machineFor = (loaded: LoadedFlow, step: StepOptions): DiagnosisMachine =>
    compileFlow(loaded.flow, {
      probes: opts.probes,
      causeIds,
      weights: opts.weights,
      runProbe: makeProbeRunner({
        registry: opts.probes,
        targets: step.targets,
        log: opts.log,
        onProgress: step.onProgress,
        probeParams: step.probeParams,
        timeoutMs: opts.probeTimeoutMs,
        deadline: step.deadline,
        repeat: step.repeat,
        pointsToCause: (probe, f) => pointsToCause(opts.weights, probe, f.id),
      }),
    });

  const pendingOf = (loaded: LoadedFlow, snapshot: { status: string; value: unknown }): PendingQuestion | null => {
    if (snapshot.status !== "active" || typeof snapshot.value !== "string") return null;
    const node = questionNode(loaded.flow, snapshot.value);
    return node ? { id: snapshot.value, node } : null;
  };

  /** Runs the actor until it waits for an answer that `answers` does not give, or the flow ends. */
  async function drive(
    loaded: LoadedFlow,
    actor: DiagnosisActor,
    answers?: AnswerSource,
  ): Promise<SnapshotFrom<DiagnosisMachine>> {
    for (;;) {
      const snapshot = await waitFor(actor, (s) => s.status !== "active" || pendingOf(loaded, s) !== null, {
        timeout: Infinity,
      });
      if (snapshot.status === "error") throw snapshot.error;
      const pending = pendingOf(loaded, snapshot);
      if (!pending) return snapshot;
      const answer = await answers?.(pending);
      if (!answer) return snapshot;
      actor.send(answer);
    }
  }

  function started(
    machine: DiagnosisMachine,
    init: { snapshot?: DiagnosisRecord["snapshot"]; facts?: DiagnosisContext["facts"] },
  ): DiagnosisActor {
    // A restored actor takes its context from the snapshot; the input only starts a new one.
    const actor = createActor(machine, {
      input: { facts: init.facts ?? {} },
      snapshot: init.snapshot && restorable(init.snapshot),
    });
    // Without an error observer an actor error would be thrown globally; drive() reports it instead.
    actor.subscribe({ error: () => {} });
    actor.start();
    return actor;
  }

  async function persist(
    loaded: LoadedFlow,
    actor: DiagnosisActor,
    base: Omit<DiagnosisRecord, "snapshot" | "flow" | "updatedAt">,
    late: readonly EvidenceEvent[] = [],
  ): Promise<DiagnosisRecord> {
    const now = new Date().toISOString();
    // Evidence that came after the machine finished joins the record, as it does for a finished diagnosis.
    const context = late.reduce((c, e) => ({ ...c, ...withEvidence(c, e, now) }), actor.getSnapshot().context);
    const record = DiagnosisRecord.parse({
      ...base,
      flow: { id: loaded.flow.id, version: loaded.version },
      snapshot: { ...actor.getPersistedSnapshot(), context },
      updatedAt: now,
    });
    await opts.store.put(record);
    return record;
  }

  async function save(
    loaded: LoadedFlow,
    actor: DiagnosisActor,
    base: Omit<DiagnosisRecord, "snapshot" | "flow" | "updatedAt">,
    late: readonly EvidenceEvent[] = [],
  ): Promise<Step> {
    const record = await persist(loaded, actor, base, late);
    actor.stop();
    return { record, pending: pendingOf(loaded, record.snapshot) };
  }

  /**
   * Restores a diagnosis. A record from an older version of its flow cannot take the new machine's snapshot, so it
   * is replayed instead: the same known facts, the user's answers and pasted evidence, with probes run again.
   */
  async function restore(
    record: DiagnosisRecord,
    step: StepOptions,
  ): Promise<{ loaded: LoadedFlow; actor: DiagnosisActor; late: EvidenceEvent[] }> {
    const loaded = flowFor(record.flow.id);
    const machine = machineFor(loaded, step);
    if (record.flow.version === loaded.version)
      return { loaded, actor: started(machine, { snapshot: record.snapshot }), late: [] };

    const old = record.snapshot.context;
    const beforehand = Object.fromEntries(Object.entries(old.facts).filter(([, f]) => f.from === "configuration"));
    const actor = started(machine, { facts: beforehand });
    const answered = new Map(
      old.transcript.flatMap((t) => (t.kind === "question" && t.source === "user" ? [[t.question, t] as const] : [])),
    );
    const replay: AnswerSource = ({ id, node }) => {
      const t = answered.get(id);
      if (!t || answerProblem(node, t.answer) !== null) return undefined;
      return { type: "ANSWER", question: id, value: t.answer, source: "user", ...(t.by ? { by: t.by } : {}) };
    };
    // Every answer the person gave is given again where it is asked; the logs come in once no more can be, since a
    // log that arrived first could pass over a question they had answered before it came. A flow the answers alone
    // finish keeps the logs on its record all the same.
    await drive(loaded, actor, replay);
    const logs: EvidenceEvent[] = [...new Set(old.evidence.filter((e) => e.source === "log").map((e) => e.ref))].map(
      (ref) => ({ type: "EVIDENCE", ref, items: old.evidence.filter((e) => e.source === "log" && e.ref === ref) }),
    );
    const late = actor.getSnapshot().status === "done" ? logs : [];
    if (!late.length) for (const e of logs) actor.send(e);
    await drive(loaded, actor, replay);
    actor.send({
      type: "NOTE",
      text: `The flow changed since this diagnosis started (${record.flow.version} → ${loaded.version}); answers and evidence were replayed.`,
    });
    opts.log.info(
      { diagnosis: record.id, from: record.flow.version, to: loaded.version },
      "diagnosis replayed on a newer flow",
    );
    return { loaded, actor, late };
  }

  async function load(id: string): Promise<DiagnosisRecord> {
    const record = await opts.store.get(id);
    if (!record) throw new DiagnosisError("not-found", `no diagnosis "${id}" (it may have expired)`);
    return record;
  }

  return {
    /** Starts a diagnosis and runs it to its first question (or to its end when `answers` answers everything). */
    async start(
      input: {
        /** The diagnosis' id, when the door needs it before the first probe (default: a new UUID). */
        id?: string;
        flowId: string;
        /** Facts known beforehand (from configuration); their questions are not asked. */
        facts?: Record<string, string>;
        /** Answers given up front (question id → value): they hold even where a probe finds otherwise. */
        answers?: Record<string, string>;
        answeredBy?: string;
        evidence?: EvidenceEvent[];
        target?: string;
        meta?: Record<string, string>;
      },
      step: StepOptions,
      answers?: AnswerSource,
    ): Promise<Step> {
      const loaded = flowFor(input.flowId);
      const facts: DiagnosisContext["facts"] = Object.fromEntries(
        Object.entries(input.facts ?? {}).map(([k, value]) => [
          k,
          { value, source: "default", from: "configuration" } satisfies KnownFact,
        ]),
      );
      for (const [id, value] of Object.entries(input.answers ?? {})) {
        const node = questionNode(loaded.flow, id);
        if (!node) throw new DiagnosisError("invalid-answer", `no question "${id}" in flow "${loaded.flow.id}"`);
        const problem = answerProblem(node, value);
        if (problem) throw new DiagnosisError("invalid-answer", `${id}: ${problem}`);
        facts[factOf(id, node)] = { value, source: "user", from: id };
      }
      const actor = started(machineFor(loaded, step), { facts });
      for (const e of input.evidence ?? []) actor.send(e);
      const base = {
        id: input.id ?? randomUUID(),
        target: input.target,
        meta: input.meta ?? {},
        createdAt: new Date().toISOString(),
      };
      // Saved before the first probe ends, so a diagnosis whose process dies while probing is still on record.
      await persist(loaded, actor, base);
      await drive(loaded, actor, answers);
      return save(loaded, actor, base);
    },

    /** Continues a stored diagnosis: applies `event` (if any) then runs until the next unanswered question. */
    async continue(
      id: string,
      step: StepOptions,
      event?: AnswerEvent | EvidenceEvent,
      answers?: AnswerSource,
    ): Promise<Step> {
      const record = await load(id);
      if (event?.type === "ANSWER" && isDone(record))
        throw new DiagnosisError("finished", "this diagnosis has already finished");
      // A finished machine takes no events; evidence pasted afterwards joins its record and is ranked with the rest.
      if (event?.type === "EVIDENCE" && isDone(record)) {
        const now = new Date().toISOString();
        const context = { ...record.snapshot.context, ...withEvidence(record.snapshot.context, event, now) };
        const updated = DiagnosisRecord.parse({ ...record, snapshot: { ...record.snapshot, context }, updatedAt: now });
        await opts.store.put(updated);
        return { record: updated, pending: null };
      }
      const { loaded, actor, late } = await restore(record, step);
      if (event?.type === "ANSWER") {
        const pending = pendingOf(loaded, actor.getSnapshot());
        if (!pending || pending.id !== event.question) {
          actor.stop();
          const now = pending ? ` (it is now at "${pending.id}")` : "";
          throw new DiagnosisError(
            "stale-question",
            `question "${event.question}" is no longer waiting for an answer${now}`,
          );
        }
        const problem = answerProblem(pending.node, event.value);
        if (problem) {
          actor.stop();
          throw new DiagnosisError("invalid-answer", problem);
        }
      }
      if (event?.type === "EVIDENCE" && actor.getSnapshot().status === "done") late.push(event);
      else if (event) actor.send(event);
      await drive(loaded, actor, answers);
      return save(loaded, actor, record, late);
    },

    async get(id: string): Promise<Step> {
      const record = await load(id);
      return { record, pending: pendingOf(flowFor(record.flow.id), record.snapshot) };
    },
  };
}

/** A stored snapshot in the shape XState restores: only a finished one has an output, only a failed one an error. */
function restorable(snapshot: DiagnosisRecord["snapshot"]): Snapshot<unknown> {
  const { status } = snapshot;
  if (status === "done") return { ...snapshot, status, output: snapshot.output, error: undefined };
  if (status === "error") return { ...snapshot, status, output: undefined, error: snapshot.error };
  return { ...snapshot, status, output: undefined, error: undefined };
}
