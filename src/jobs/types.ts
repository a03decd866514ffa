import type { z } from "zod";

/** A job as its handler gets it: its id, its data, and whether a worker that died had begun it. */
export type JobRun<T> = { id: string; data: T; resumed: boolean };

export type WorkOptions<T> = {
  /** Jobs this process runs at once. */
  concurrency: number;
  /** A job begun twice by workers that died: nobody will run it again. */
  onAbandoned: (data: T) => Promise<void>;
};

/**
 * Background work: any process adds a job, a worker runs it. The handler reports its own failures; a job whose
 * worker dies is begun once more (by any worker), so a handler must tell a resumed job from a new one and not apply
 * what the first run already did.
 */
export interface JobQueue<T> {
  /** Resolves once the job is on record, with its id; not when it has run. */
  add(data: T): Promise<string>;
  /**
   * Adds a job with `data` every `everyMs`, until `unschedule(key)`: one schedule per key, whichever process sets it,
   * so that each interval gives one job however many processes run.
   */
  every(key: string, everyMs: number, data: T): Promise<void>;
  unschedule(key: string): Promise<void>;
  /** Runs jobs in this process until the queue is closed. */
  work(handler: (job: JobRun<T>) => Promise<void>, opts: WorkOptions<T>): Promise<void>;
  close(): Promise<void>;
}

/** Where queues live: named queues of jobs whose data `schema` checks wherever a job is read. */
export interface Jobs {
  queue<T>(name: string, schema: z.ZodType<T>): JobQueue<T>;
  /** Closes every queue it made, then its connections. */
  close(): Promise<void>;
  /** True when workers in other processes can take jobs this process adds. */
  readonly shared: boolean;
}
