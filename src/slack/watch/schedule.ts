import type { Logger } from "../../log.js";
import type { Watch, WatchStore } from "./store.js";

/**
 * Runs each watch's round once per interval, whichever replicas are running: the one place that decides when a round
 * is due and who runs it, so a job queue's schedulers can take it over without the rounds changing.
 */
export interface RoundScheduler {
  start(): void;
  /** Stops starting rounds, and waits a little for those under way. */
  stop(): Promise<void>;
}

/** How often each replica looks for rounds that are due. */
const TICK_MS = 1_000;
const STOP_WAIT_MS = 5_000;

/**
 * Every tick each replica lists the watches; a round is due once per time slot of its interval (slots counted from
 * the epoch, so every replica agrees on them), and the replica that claims `<watch>:<slot>` in the store runs it.
 */
export function slotScheduler(opts: {
  store: WatchStore;
  run: (watch: Watch) => Promise<void>;
  log: Logger;
  tickMs?: number;
}): RoundScheduler {
  const running = new Map<string, Promise<void>>();
  let timer: NodeJS.Timeout | undefined;

  const tick = async () => {
    const watches = await opts.store.list();
    for (const watch of watches) {
      if (running.has(watch.id)) continue;
      const slot = Math.floor(Date.now() / (watch.intervalSeconds * 1000));
      if (!(await opts.store.claim(`${watch.id}:${slot}`, watch.intervalSeconds * 2))) continue;
      const round = opts
        .run(watch)
        .catch((err: Error) => opts.log.warn({ watch: watch.id, err: err.message }, "watch round failed"))
        .finally(() => running.delete(watch.id));
      running.set(watch.id, round);
    }
  };

  return {
    start() {
      timer ??= setInterval(
        () => void tick().catch((err: Error) => opts.log.warn({ err: err.message }, "watch rounds not checked")),
        opts.tickMs ?? TICK_MS,
      );
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await Promise.race([Promise.all(running.values()), new Promise((r) => setTimeout(r, STOP_WAIT_MS).unref())]);
    },
  };
}
