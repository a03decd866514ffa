import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { bullmqJobs } from "../../src/jobs/bullmq.js";
import { inProcessJobs } from "../../src/jobs/in-process.js";
import type { JobRun, Jobs } from "../../src/jobs/types.js";
import { createLogger } from "../../src/log.js";

const log = createLogger({ level: "silent" });
const Data = z.strictObject({ n: z.number() });
type Data = z.infer<typeof Data>;

const kinds: Array<[string, () => Jobs]> = [
  ["in process", () => inProcessJobs(log)],
  // Each test its own key prefix: the Redis is shared with other test files.
  ["BullMQ", () => bullmqJobs({ url: inject("redisUrl"), log, prefix: `test-${randomUUID()}` })],
];

const opened: Jobs[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((j) => j.close()));
});

describe.each(kinds)("jobs %s", (_kind, open) => {
  it("runs every job once, with its data, never more than `concurrency` at once", async () => {
    const producer = open();
    opened.push(producer);
    const ran: Array<JobRun<Data>> = [];
    let running = 0;
    let most = 0;
    const handler = async (job: JobRun<Data>) => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, 30));
      ran.push(job);
      running--;
    };
    const queue = producer.queue("steps", Data);
    await queue.work(handler, { concurrency: 2, onAbandoned: async () => {} });
    const ids = await Promise.all(Array.from({ length: 8 }, (_, n) => queue.add({ n })));
    await expect.poll(() => ran.length, { timeout: 10_000 }).toBe(8);
    await new Promise((r) => setTimeout(r, 100));
    expect(ran).toHaveLength(8);
    expect(ran.map((j) => j.data.n).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(ran.map((j) => j.id).sort()).toEqual([...ids].sort());
    expect(ran.every((j) => !j.resumed)).toBe(true);
    expect(most).toBeLessThanOrEqual(2);
    expect(most).toBe(2);
  });

  it("a schedule adds a job every interval until it is removed; setting it again replaces it", async () => {
    const jobs = open();
    opened.push(jobs);
    const ran: number[] = [];
    const queue = jobs.queue("rounds", Data);
    await queue.every("w", 300, { n: 1 });
    // Set again, as a second replica (or a changed interval) would: still one schedule, and its pending round is
    // replaced. (A worker already running may have taken the first schedule's immediate round in between.)
    await queue.every("w", 300, { n: 2 });
    await queue.work(async (job) => void ran.push(job.data.n), { concurrency: 1, onAbandoned: async () => {} });
    await new Promise((r) => setTimeout(r, 1_600));
    await queue.unschedule("w");
    const seen = ran.length;
    // Five intervals went by: one job each, not two.
    expect(seen).toBeGreaterThanOrEqual(3);
    expect(seen).toBeLessThanOrEqual(6);
    expect(ran.every((n) => n === 2)).toBe(true);
    await new Promise((r) => setTimeout(r, 800));
    expect(ran.length).toBeLessThanOrEqual(seen + 1);
  });

  it("refuses data that does not fit the queue's schema", async () => {
    const jobs = open();
    opened.push(jobs);
    const queue = jobs.queue("steps", Data);
    await queue.work(async () => {}, { concurrency: 1, onAbandoned: async () => {} });
    await expect(queue.add({ n: "1" } as unknown as Data)).rejects.toThrow();
  });
});

describe("jobs in BullMQ", () => {
  it("a job added by one process is run by a worker in another", async () => {
    const prefix = `test-${randomUUID()}`;
    const [listener, worker] = [0, 1].map(() => bullmqJobs({ url: inject("redisUrl"), log, prefix }));
    opened.push(listener!, worker!);
    const ran: Data[] = [];
    await worker!.queue("steps", Data).work(async (job) => void ran.push(job.data), {
      concurrency: 1,
      onAbandoned: async () => {},
    });
    expect(listener!.shared).toBe(true);
    await listener!.queue("steps", Data).add({ n: 42 });
    await expect.poll(() => ran, { timeout: 10_000 }).toEqual([{ n: 42 }]);
  });

  it("an unreachable Redis is an error naming it, not a hang", async () => {
    const jobs = bullmqJobs({ url: "redis://127.0.0.1:1", log });
    opened.push(jobs);
    await expect(jobs.queue("steps", Data).add({ n: 1 })).rejects.toThrow(/job queue at redis:\/\/127\.0\.0\.1:1/);
  });
});
