import { z } from "zod";
import { Targets } from "../model/targets.js";

/** Who may run probes against a target: anyone in these channels, these users, or members of these user groups. */
const Allowed = z.strictObject({
  channels: z.array(z.string()).default([]),
  users: z.array(z.string()).default([]),
  usergroups: z.array(z.string()).default([]),
});
export type Allowed = z.infer<typeof Allowed>;

export const TargetConfig = Targets.extend({
  description: z.string().optional(),
  /** Facts known about this system, so their questions are not asked (e.g. stack: express). */
  facts: z.record(z.string(), z.string()).default({}),
  /** Without it, anyone who can use the command may probe the target. */
  allowed: Allowed.optional(),
});
export type TargetConfig = z.infer<typeof TargetConfig>;

export const Config = z.strictObject({
  /** Named systems people pick from a menu instead of typing URLs or passwords into Slack. */
  targets: z
    .record(
      z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "target names are lower-case words joined by hyphens"),
      TargetConfig,
    )
    .default({}),
  /** Ad-hoc URLs typed into Slack are probed only when they match (hosts, *.domains, CIDRs, URL prefixes). */
  allowlist: z.array(z.string()).default([]),
  /** How long a diagnosis is kept after its last step. */
  retentionDays: z.number().positive().default(7),
});
export type Config = z.infer<typeof Config>;
