import type { FactValue } from "../../src/flows/schema.js";
import type { Probe, ProbeContext, ProbeOutcome, Targets } from "../../src/probes/types.js";
import { quietLog } from "./definitions.js";

export function runProbe(
  probe: Probe,
  targets: Partial<Targets>,
  opts: {
    params?: Record<string, unknown>;
    facts?: Record<string, FactValue>;
    signal?: AbortSignal;
    handoff?: Map<string, unknown>;
  } = {},
): Promise<ProbeOutcome> {
  const ctx: ProbeContext = {
    targets: { nodes: [], ...targets },
    params: opts.params ?? {},
    facts: opts.facts ?? {},
    signal: opts.signal ?? AbortSignal.timeout(20_000),
    log: quietLog,
    handoff: opts.handoff ?? new Map(),
  };
  return probe.run(ctx);
}

export function finding(outcome: ProbeOutcome, id: string) {
  const f = outcome.findings.find((x) => x.id === id);
  if (!f) throw new Error(`no finding "${id}" in ${JSON.stringify(outcome.findings.map((x) => x.id))}`);
  return f;
}

export function weightFor(outcome: ProbeOutcome, id: string, cause: string): number | undefined {
  return finding(outcome, id).effects.find((e) => e.cause === cause)?.weight;
}
