import type { Logger } from "../log.js";
import { bullmqJobs } from "./bullmq.js";
import { inProcessJobs } from "./in-process.js";
import type { Jobs } from "./types.js";

export type { JobQueue, JobRun, Jobs, WorkOptions } from "./types.js";

/** Jobs in Redis (BullMQ), shared by every process, when `redisUrl` is set; otherwise run by this process. */
export function openJobs(opts: { redisUrl?: string; log: Logger }): Jobs {
  return opts.redisUrl ? bullmqJobs({ url: opts.redisUrl, log: opts.log }) : inProcessJobs(opts.log);
}
