import { createEngine, type AnswerSource } from "../../src/engine/engine.js";
import type { Weights } from "../../src/evidence/table.js";
import type { LoadedFlow } from "../../src/flows/load.js";
import type { ProbeRegistry } from "../../src/probes/types.js";
import { buildReport } from "../../src/report/build.js";
import type { Report } from "../../src/report/schema.js";
import { MemoryStore } from "../../src/store/memory.js";
import type { DiagnosisStore } from "../../src/store/types.js";
import { catalogue, quietLog, shipped, weights } from "./definitions.js";
import { testProbes } from "./probes.js";

export { shipped };

export function engineWith(
  opts: {
    flows?: LoadedFlow[];
    probes?: ProbeRegistry;
    store?: DiagnosisStore;
    probeTimeoutMs?: number;
    weights?: Weights;
  } = {},
) {
  const flows = opts.flows ? new Map(opts.flows.map((f) => [f.flow.id, f])) : shipped.flows;
  return createEngine({
    flows,
    catalogue,
    probes: opts.probes ?? testProbes,
    weights: opts.weights ?? weights,
    store: opts.store ?? new MemoryStore(),
    log: quietLog,
    probeTimeoutMs: opts.probeTimeoutMs,
  });
}

/** Answers from a table; questions not in it are left unknown, as `--non-interactive` does. */
export function answersFrom(table: Record<string, string>): AnswerSource {
  return (q) => ({
    type: "ANSWER",
    question: q.id,
    value: table[q.id] ?? null,
    source: q.id in table ? "user" : "default",
    ...(q.id in table ? { by: "tester" } : {}),
  });
}

/** The report without what differs between runs (ids, timings). */
export function comparable(report: Report) {
  const { diagnosis, probes, ...rest } = report;
  return { ...rest, flowVersion: diagnosis.flowVersion, probes: probes.map(({ durationMs: _, ...p }) => p) };
}

export function reportOf(
  step: { record: Parameters<typeof buildReport>[0] },
  flow: LoadedFlow,
  withWeights: Weights = weights,
): Report {
  return buildReport(step.record, flow.flow, { catalogue, weights: withWeights, probes: testProbes });
}
