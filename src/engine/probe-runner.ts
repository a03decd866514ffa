import type { Logger } from "pino";
import type { Facts } from "../model/facts.js";
import { ProbeOutcome, type ProbeRun } from "../model/findings.js";
import { hasTarget, TARGET_FLAGS, type Targets } from "../model/targets.js";
import { Handoff, type ProbeRegistry } from "../probes/types.js";
import { redactText } from "../redact.js";
import type { ProbeInput, ProbeRunOutput, RunProbe } from "./machine.js";

export type Progress =
  { kind: "probe-started"; node: string; probe: string } | { kind: "probe-finished"; run: ProbeRun };

export const DEFAULT_PROBE_TIMEOUT_MS = 20_000;

/**
 * Runs probes on behalf of the machine: skips those whose targets are not configured, bounds each by a timeout,
 * and turns any failure into a "failed" run with a readable reason, so a probe can never crash a diagnosis.
 */
export function makeProbeRunner(opts: {
  registry: ProbeRegistry;
  targets: Targets;
  log: Logger;
  onProgress?: (p: Progress) => void;
  timeoutMs?: number;
  probeParams?: Record<string, Record<string, unknown>>;
}): RunProbe {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  const handoff = new Handoff();
  return async (input: ProbeInput, facts: Facts, signal: AbortSignal): Promise<ProbeRunOutput> => {
    const probe = opts.registry.get(input.probe)!;
    const started = performance.now();
    opts.onProgress?.({ kind: "probe-started", node: input.node, probe: input.probe });
    let outcome: ProbeOutcome;
    let error: string | undefined;
    const missing = probe.needs.filter((k) => !hasTarget(opts.targets, k));
    if (missing.length > 0) {
      const flags = missing.map((k) => TARGET_FLAGS[k]).join(", ");
      outcome = {
        status: "skipped",
        target: "-",
        findings: [{ id: "not-configured", summary: `not run: needs ${flags}` }],
        facts: {},
      };
    } else {
      try {
        const bounded = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
        outcome = ProbeOutcome.parse(
          await probe.run({
            targets: opts.targets,
            params: { ...input.params, ...opts.probeParams?.[input.probe] },
            facts,
            signal: bounded,
            log: opts.log,
            handoff,
          }),
        );
      } catch (err) {
        error = redactText(err instanceof Error ? err.message : String(err));
        outcome = { status: "failed", target: "-", findings: [], facts: {} };
        opts.log.warn({ probe: input.probe, node: input.node, err: error }, "probe failed");
      }
    }
    const run: ProbeRun = {
      node: input.node,
      probe: input.probe,
      target: outcome.target,
      status: outcome.status,
      durationMs: Math.round(performance.now() - started),
      findings: outcome.findings,
      ...(error ? { error } : {}),
    };
    opts.onProgress?.({ kind: "probe-finished", run });
    return { ...run, facts: outcome.facts };
  };
}
