import type { Logger } from "pino";
import type { Facts } from "../model/facts.js";
import { ProbeOutcome, type Finding, type ProbeRun } from "../model/findings.js";
import { hasTarget, TARGET_FLAGS, type Targets } from "../model/targets.js";
import { Handoff, type ProbeRegistry } from "../probes/types.js";
import { mergeRounds, type Repeat, type RoundResult } from "./repeat.js";
import { redactText } from "../redact.js";
import type { ProbeInput, ProbeRunOutput, RunProbe } from "./machine.js";

export type Progress =
  { kind: "probe-started"; node: string; probe: string } | { kind: "probe-finished"; run: ProbeRun };

export const DEFAULT_PROBE_TIMEOUT_MS = 20_000;
/** How long a probe that was told to stop may take to say so before it is abandoned. */
const ABANDON_GRACE_MS = 250;
/** The longest delay timers take (about 24.8 days); anything longer would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Runs `run` with a signal that aborts after `ms`; if it has not settled shortly after, it is abandoned: whatever it
 * awaits (a trickling response, a library that ignores the signal), the caller goes on.
 */
async function bounded<T>(ms: number, outer: AbortSignal, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const stop = new AbortController();
  let abandon!: (err: Error) => void;
  const abandoned = new Promise<never>((_, reject) => (abandon = reject));
  const limit = `did not finish within ${Math.round(ms / 100) / 10} s and was abandoned`;
  let grace: NodeJS.Timeout | undefined;
  const timer = setTimeout(
    () => {
      stop.abort(new Error(`probe time limit of ${Math.round(ms / 100) / 10} s reached`));
      grace = setTimeout(() => abandon(new Error(limit)), ABANDON_GRACE_MS);
    },
    Math.min(ms, MAX_TIMER_MS),
  );
  const running = run(AbortSignal.any([outer, stop.signal]));
  running.catch(() => undefined); // an abandoned probe may still fail later; nobody is listening
  try {
    return await Promise.race([running, abandoned]);
  } finally {
    clearTimeout(timer);
    clearTimeout(grace);
  }
}

/**
 * Waits until round `n` of a repeated probe is due (`n` intervals after the first started) and returns the time the
 * round may take: the probe's limit within what is left of the step, or 0 when the step is stopped or over.
 */
async function nextRound(
  n: number,
  at: { firstStarted: number; intervalMs: number; limitMs: number; deadline?: number },
  signal: AbortSignal,
): Promise<number> {
  const deadline = at.deadline ?? Infinity;
  const wait = at.firstStarted + n * at.intervalMs - performance.now();
  if (Date.now() + wait >= deadline) return 0;
  if (wait > 0)
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, wait);
      signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
    });
  return signal.aborted ? 0 : Math.min(at.limitMs, deadline - Date.now());
}

/**
 * Runs probes on behalf of the machine: skips those whose targets are not configured, bounds each by a timeout
 * (and by the step's deadline), abandons one that overruns, and turns any failure into a "failed" run with a
 * readable reason, so a probe can never crash or hold up a diagnosis.
 */
export function makeProbeRunner(opts: {
  registry: ProbeRegistry;
  targets: Targets;
  log: Logger;
  onProgress?: (p: Progress) => void;
  timeoutMs?: number;
  probeParams?: Record<string, Record<string, unknown>>;
  /** When the step must end (ms since epoch): probes get what time is left, and none start after it. */
  deadline?: number;
  /** Where probes hand values to later ones; a caller that reads them (a watch round) passes its own. */
  handoff?: Handoff;
  /** Each probe in several rounds, their findings merged (`--repeat`). */
  repeat?: Repeat;
  /** Which findings point to a fault: where rounds disagree, the facts are those of the rounds that saw one. */
  pointsToCause?: (probe: string, f: Finding) => boolean;
}): RunProbe {
  const probeTimeoutMs = opts.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  const handoff = opts.handoff ?? new Handoff();
  return async (input: ProbeInput, facts: Facts, signal: AbortSignal): Promise<ProbeRunOutput> => {
    const probe = opts.registry.get(input.probe)!;
    const started = performance.now();
    opts.onProgress?.({ kind: "probe-started", node: input.node, probe: input.probe });
    let outcome: ProbeOutcome;
    let error: string | undefined;
    const missing = probe.needs.filter((k) => !hasTarget(opts.targets, k));
    const timeoutMs = Math.min(probeTimeoutMs, (opts.deadline ?? Infinity) - Date.now());
    if (missing.length === 0 && timeoutMs <= 0) {
      error = "not run: the diagnosis time limit was reached";
      outcome = { status: "failed", target: "-", findings: [], facts: {} };
    } else if (missing.length > 0) {
      const flags = missing.map((k) => TARGET_FLAGS[k]).join(", ");
      outcome = {
        status: "skipped",
        target: "-",
        findings: [{ id: "not-configured", summary: `not run: needs ${flags}` }],
        facts: {},
      };
    } else {
      const rounds: RoundResult[] = [];
      for (let n = 0; n < (opts.repeat?.rounds ?? 1); n++) {
        const left =
          n === 0
            ? timeoutMs
            : await nextRound(
                n,
                {
                  firstStarted: started,
                  intervalMs: opts.repeat!.intervalMs,
                  limitMs: probeTimeoutMs,
                  deadline: opts.deadline,
                },
                signal,
              );
        if (left <= 0) break;
        try {
          const found = await bounded(left, signal, (bound) =>
            probe.run({
              targets: opts.targets,
              params: { ...input.params, ...opts.probeParams?.[input.probe] },
              facts,
              signal: bound,
              log: opts.log,
              handoff,
            }),
          );
          rounds.push({ outcome: ProbeOutcome.parse(found) });
        } catch (err) {
          const reason = redactText(err instanceof Error ? err.message : String(err));
          rounds.push({ error: reason });
          opts.log.warn({ probe: input.probe, node: input.node, round: n + 1, err: reason }, "probe failed");
        }
      }
      ({ outcome, error } = mergeRounds(rounds, (f) => opts.pointsToCause?.(input.probe, f) ?? false));
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
