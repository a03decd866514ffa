import { weigh } from "../../src/evidence/table.js";
import { observationOf } from "../../src/model/diagnosis.js";
import type { FactValue } from "../../src/model/facts.js";
import type { ProbeOutcome } from "../../src/model/findings.js";
import type { Targets } from "../../src/model/targets.js";
import { Handoff, type Probe, type ProbeContext } from "../../src/probes/types.js";
import { quietLog, weights } from "./definitions.js";

export function runProbe(
  probe: Probe,
  targets: Partial<Targets>,
  opts: {
    params?: Record<string, unknown>;
    facts?: Record<string, FactValue>;
    signal?: AbortSignal;
    handoff?: Handoff;
  } = {},
): Promise<ProbeOutcome> {
  const ctx: ProbeContext = {
    targets: { nodes: [], ...targets },
    params: opts.params ?? {},
    facts: opts.facts ?? {},
    signal: opts.signal ?? AbortSignal.timeout(20_000),
    log: quietLog,
    handoff: opts.handoff ?? new Handoff(),
  };
  return probe.run(ctx);
}

export function finding(outcome: ProbeOutcome, id: string) {
  const f = outcome.findings.find((x) => x.id === id);
  if (!f) throw new Error(`no finding "${id}" in ${JSON.stringify(outcome.findings.map((x) => x.id))}`);
  return f;
}

/**
 * What the shipped evidence table makes of one finding for one cause, under the facts the probe set (plus `facts`):
 * the strongest weight, or undefined when the finding says nothing about the cause.
 */
export function weightFor(
  probe: Probe,
  outcome: ProbeOutcome,
  id: string,
  cause: string,
  facts: Record<string, FactValue> = {},
): number | undefined {
  const f = finding(outcome, id);
  const item = {
    id: f.id,
    source: "probe" as const,
    ref: probe.name,
    observation: observationOf.probe(probe.name, f.id),
    summary: f.summary,
    ...(f.data ? { data: f.data } : {}),
  };
  const weighed = weigh([item], { ...outcome.facts, ...facts }, weights).filter((w) => w.cause === cause);
  return weighed.sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight))[0]?.weight;
}
