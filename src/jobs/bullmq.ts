import { randomUUID } from "node:crypto";
import { Queue, UnrecoverableError, Worker } from "bullmq";
import { Redis } from "ioredis";
import type { z } from "zod";
import type { Logger } from "../log.js";
import { redactText, redactUrl } from "../redact.js";
import type { JobQueue, Jobs } from "./types.js";

/**
 * A worker holds a job's lock while it runs and renews it every half of `lockDuration`; a lock left to expire (its
 * worker died) makes the job stalled at the next check, and another worker begins it again. Short enough that a
 * step is taken over within seconds, long enough that a busy event loop does not lose a lock it is still using.
 */
const LOCK_MS = 6_000;
const STALLED_CHECK_MS = 3_000;
/** A job is begun again once; if that worker dies too, the job is abandoned. */
const MAX_STALLED = 1;

/** Jobs in Redis, shared by every process: BullMQ queues under `prefix`. */
export function bullmqJobs(opts: { url: string; log: Logger; prefix?: string }): Jobs {
  const { log } = opts;
  const prefix = opts.prefix ?? "sessiondoc";
  const where = redactUrl(opts.url);
  // One connection for adding jobs (fails fast when Redis is away) and one for workers, which BullMQ wants to wait
  // on blocking commands for ever; each worker makes its own blocking connection from it.
  const producer = new Redis(opts.url, { maxRetriesPerRequest: 1, connectTimeout: 5_000, lazyConnect: true });
  const consumer = new Redis(opts.url, { maxRetriesPerRequest: null, lazyConnect: true });
  for (const c of [producer, consumer]) c.on("error", () => {});
  const closers: Array<() => Promise<void>> = [];

  function queue<T>(name: string, schema: z.ZodType<T>): JobQueue<T> {
    const q = new Queue(name, { connection: producer, prefix });
    q.on("error", (err) => log.warn({ err: redactText(err.message), queue: name }, "job queue error"));
    let worker: Worker | undefined;
    const parse = (data: unknown): T => {
      const parsed = schema.safeParse(data);
      if (!parsed.success) throw new UnrecoverableError(`job data does not fit its queue "${name}"`);
      return parsed.data;
    };
    const kept = { removeOnComplete: { age: 3600, count: 1000 }, removeOnFail: { age: 24 * 3600 } };
    const refused = (what: string, err: unknown) =>
      new Error(`job queue at ${where}: cannot ${what} (${(err as Error).message})`, { cause: err });
    const handle: JobQueue<T> = {
      async add(data) {
        const id = randomUUID();
        try {
          await q.add(name, schema.parse(data), { jobId: id, ...kept });
        } catch (err) {
          throw refused("add a job", err);
        }
        return id;
      },
      // BullMQ's job schedulers: the scheduler adds the next job as it hands out the current one, once per interval.
      async every(key, everyMs, data) {
        try {
          await q.upsertJobScheduler(key, { every: everyMs }, { name, data: schema.parse(data), opts: kept });
        } catch (err) {
          throw refused("schedule jobs", err);
        }
      },
      async unschedule(key) {
        try {
          await q.removeJobScheduler(key);
        } catch (err) {
          throw refused("remove a schedule", err);
        }
      },
      async work(handler, { concurrency, onAbandoned }) {
        worker = new Worker(
          name,
          async (job) => {
            const resumed = job.attemptsStarted > 1;
            log.debug({ job: job.id, queue: name, resumed }, "job started");
            await handler({ id: job.id!, data: parse(job.data), resumed });
          },
          {
            connection: consumer,
            prefix,
            concurrency,
            lockDuration: LOCK_MS,
            stalledInterval: STALLED_CHECK_MS,
            maxStalledCount: MAX_STALLED,
          },
        );
        worker.on("error", (err) => log.warn({ err: redactText(err.message), queue: name }, "job worker error"));
        worker.on("stalled", (id) => log.warn({ job: id, queue: name }, "a job's worker stopped; it will run again"));
        worker.on("failed", (job, err) => {
          if (!job) return;
          log.warn({ job: job.id, queue: name, err: redactText(err.message) }, "job failed");
          if (job.stalledCounter <= MAX_STALLED) return;
          const data = schema.safeParse(job.data);
          if (data.success)
            void onAbandoned(data.data).catch((e: Error) =>
              log.warn({ err: redactText(e.message) }, "job not reported"),
            );
        });
        await worker.waitUntilReady();
      },
      // A worker that closes lets the steps it is running finish first.
      async close() {
        await worker?.close();
        await q.close();
      },
    };
    closers.push(() => handle.close());
    return handle;
  }

  return {
    shared: true,
    queue,
    async close() {
      await Promise.all(closers.map((c) => c().catch(() => undefined)));
      producer.disconnect();
      consumer.disconnect();
    },
  };
}
