import { z } from "zod";

const env = z.record(z.string(), z.string());

/** One lab scenario: real parts misconfigured the way teams misconfigure them, and the diagnosis expected. */
export const Scenario = z.strictObject({
  id: z.string().regex(/^[a-z][a-z0-9-]*$/),
  title: z.string().min(1),
  /** A cause id, or "no-fault-found" for a healthy system. */
  expect: z.string().min(1),
  redis: z
    .strictObject({
      args: z.array(z.string()).default([]),
      /** The app and the probes use a replica of the store (as after a failover nobody followed). */
      replica: z.boolean().default(false),
      /** Cache data sharing the instance: this many keys of this many bytes, written before the app starts. */
      cache: z.strictObject({ keys: z.number().int().positive(), bytes: z.number().int().positive() }).optional(),
    })
    .optional(),
  /** App nodes (lab/apps/session-app.mjs); STORE=redis nodes get REDIS_URL of the scenario's store. */
  nodes: z.array(z.strictObject({ env: env.default({}), clockOffset: z.string().optional() })).default([]),
  balancer: z
    .strictObject({
      sticky: z.boolean().default(false),
      healthChecks: z.boolean().default(false),
      forwardedProto: z.string().optional(),
      lines: z.array(z.string()).default([]),
    })
    .default({ sticky: false, healthChecks: false, lines: [] }),
  /** Sessions created through the balancer before diagnosing, so the store holds real traffic. */
  logins: z.number().int().min(0).default(10),
  /** What a user would add: answers to questions and pasted logs. */
  answers: env.default({}),
  evidence: z.string().optional(),
});
export type Scenario = z.infer<typeof Scenario>;
