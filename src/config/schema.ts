import { z } from "zod";
import { Targets } from "../model/targets.js";
import { parsePolicyEntry } from "../probes/http/policy.js";
import { parseRedisTarget } from "../probes/redis/connection.js";

/** Who may run probes against a target: anyone in these channels, these users, or members of these user groups. */
const Allowed = z.strictObject({
  channels: z.array(z.string()).default([]),
  users: z.array(z.string()).default([]),
  usergroups: z.array(z.string()).default([]),
});
export type Allowed = z.infer<typeof Allowed>;

const HttpUrl = z.string().superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return void ctx.addIssue({ code: "custom", message: `"${value}" is not a URL; write it as https://host[:port]/` });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    ctx.addIssue({ code: "custom", message: `"${value}" must be an http:// or https:// URL` });
});

const RedisUrl = z.string().superRefine((value, ctx) => {
  try {
    parseRedisTarget(value);
  } catch (err) {
    ctx.addIssue({ code: "custom", message: `not a Redis URL: ${(err as Error).message}` });
  }
});

const AllowEntry = z.string().superRefine((value, ctx) => {
  try {
    parsePolicyEntry(value);
  } catch (err) {
    ctx.addIssue({ code: "custom", message: (err as Error).message });
  }
});

const UrlPath = z.string().startsWith("/", 'a path starts with "/"');

export const TargetConfig = Targets.extend({
  url: HttpUrl.optional(),
  nodes: z.array(HttpUrl).default([]),
  redis: RedisUrl.optional(),
  sessionPath: UrlPath.optional(),
  checkPath: UrlPath.optional(),
  healthPath: UrlPath.optional(),
  allowlist: z.array(AllowEntry).optional(),
  description: z.string().optional(),
  /** Facts known about this system, so their questions are not asked (e.g. stack: express). */
  facts: z.record(z.string(), z.string()).default({}),
  /** Without it, anyone who can use the command may probe the target. */
  allowed: Allowed.optional(),
});
export type TargetConfig = z.infer<typeof TargetConfig>;

const seconds = (min: number, max: number, fallback: number) =>
  z.number().min(min, `at least ${min} s`).max(max, `at most ${max} s`).default(fallback);
const count = (max: number, fallback: number) => z.number().int().min(1).max(max).default(fallback);

/** How much time and capacity the Slack app gives each diagnosis, each person and each target. */
export const Limits = z.strictObject({
  /** Each probe's time limit. */
  probeTimeoutSeconds: seconds(0.1, 600, 20),
  /** All the probes of one step (the start, or an answer that leads to more probes) together. */
  diagnosisTimeoutSeconds: seconds(1, 3600, 120),
  /** Each call to Slack's Web API, retries included. */
  slackTimeoutSeconds: seconds(0.5, 120, 10),
  /** Diagnosis steps running at once, and how many of them one person or one target may hold. */
  slots: count(256, 8),
  slotsPerUser: count(256, 2),
  slotsPerTarget: count(256, 3),
});
export type Limits = z.infer<typeof Limits>;

export const Config = z.strictObject({
  /** Named systems people pick from a menu instead of typing URLs or passwords into Slack. */
  targets: z
    .record(
      z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "target names are lower-case words joined by hyphens"),
      TargetConfig,
    )
    .default({}),
  /** Ad-hoc URLs typed into Slack are probed only when they match (hosts, *.domains, CIDRs, URL prefixes). */
  allowlist: z.array(AllowEntry).default([]),
  /** How long a diagnosis is kept after its last step. */
  retentionDays: z.number().positive().max(3650).default(7),
  limits: Limits.default(Limits.parse({})),
});
export type Config = z.infer<typeof Config>;

/** A configured target by its name, looked up among the configuration's own keys only (never `constructor`…). */
export function targetNamed(config: Config, name: string | undefined): TargetConfig | undefined {
  return name !== undefined && Object.hasOwn(config.targets, name) ? config.targets[name] : undefined;
}
