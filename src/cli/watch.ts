import type { Definitions } from "../engine/definitions.js";
import { describeRound, recovered, regressions, watchRound, type Round } from "../engine/watch.js";
import type { Logger } from "../log.js";
import { diagnose, GATE_EXIT, targetsOf, type DiagnoseOptions } from "./diagnose.js";
import { UsageError } from "./usage.js";

export type WatchOptions = DiagnoseOptions & { interval: number; rounds?: number };

/**
 * Repeats the cheap probes every interval, a line per round; when something gets worse it runs a full diagnosis
 * once and prints it, and says when it has cleared. Returns 3 when a bounded run ends with the fault still there.
 */
export async function watch(opts: WatchOptions, defs: Definitions, log: Logger): Promise<number> {
  const { targets } = targetsOf(opts);
  if (!(targets.url && (targets.sessionPath || targets.login) && targets.checkPath) && !targets.redis)
    throw new UsageError("watch needs --url with --session-path (or --login) and --check-path, or --redis, or both");
  const stopped = new AbortController();
  const stop = () => stopped.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  let prev: Round | undefined;
  let incident = false;
  try {
    for (let n = 1; !opts.rounds || n <= opts.rounds; n++) {
      const round = await watchRound(defs.probes, targets, log, opts.probeTimeout && opts.probeTimeout * 1000);
      const worse = regressions(prev, round);
      process.stdout.write(`${describeRound(n, prev, round)}\n`);
      if (worse.length && !incident) {
        incident = true;
        process.stdout.write(`\nRegression: ${worse.join("; ")}. Diagnosing:\n\n`);
        // The watch's own interval is not a --repeat's.
        await diagnose({ ...opts, interval: undefined, nonInteractive: true }, defs, log);
        process.stdout.write("\n");
      } else if (incident && recovered(prev, round)) {
        incident = false;
        process.stdout.write(`Recovered: round ${n} saw nothing worse than the round before.\n`);
      }
      prev = round;
      if (opts.rounds && n >= opts.rounds) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, opts.interval * 1000);
        stopped.signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
      });
      if (stopped.signal.aborted) break;
    }
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
  return incident ? GATE_EXIT.cause : 0;
}
