import { randomUUID } from "node:crypto";
import pLimit from "p-limit";
import type { z } from "zod";
import type { Logger } from "../log.js";
import type { JobQueue, JobRun, Jobs, WorkOptions } from "./types.js";

/**
 * Jobs run by this process, at most `concurrency` at once: the queue for a single process, whose work dies with it.
 * Data goes through JSON and the schema as it would through Redis, so both kinds of queue hand handlers the same.
 */
function inProcessQueue<T>(schema: z.ZodType<T>, log: Logger): JobQueue<T> {
  let run: ((job: JobRun<T>) => Promise<void>) | undefined;
  let limit: ReturnType<typeof pLimit> | undefined;
  let closed = false;
  const timers = new Map<string, NodeJS.Timeout>();
  const queue: JobQueue<T> = {
    async add(data) {
      if (!run || !limit || closed) throw new Error("no worker runs jobs in this process");
      const job = { id: randomUUID(), data: schema.parse(JSON.parse(JSON.stringify(data))), resumed: false };
      const handler = run;
      void limit(() => handler(job)).catch((err: Error) => log.error({ err: err.message, job: job.id }, "job failed"));
      return job.id;
    },
    async every(key, everyMs, data) {
      clearInterval(timers.get(key));
      const timer = setInterval(
        () =>
          void queue.add(data).catch((err: Error) => log.warn({ err: err.message, key }, "scheduled job not added")),
        everyMs,
      );
      timer.unref();
      timers.set(key, timer);
    },
    async unschedule(key) {
      clearInterval(timers.get(key));
      timers.delete(key);
    },
    async work(handler, opts: WorkOptions<T>) {
      run = handler;
      limit = pLimit(opts.concurrency);
    },
    async close() {
      closed = true;
      for (const timer of timers.values()) clearInterval(timer);
      timers.clear();
    },
  };
  return queue;
}

export function inProcessJobs(log: Logger): Jobs {
  const queues: Array<JobQueue<unknown>> = [];
  return {
    shared: false,
    queue<T>(_name: string, schema: z.ZodType<T>) {
      const q = inProcessQueue(schema, log);
      queues.push(q as JobQueue<unknown>);
      return q;
    },
    async close() {
      await Promise.all(queues.map((q) => q.close()));
    },
  };
}
