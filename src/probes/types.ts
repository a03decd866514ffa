import { z } from "zod";
import { FactValue } from "../flows/schema.js";
import type { Logger } from "pino";

/** Where the probes may look. Holds credentials: it lives only in memory, never in a record, message or log. */
export const Targets = z.strictObject({
  url: z.string().optional(),
  nodes: z.array(z.string()).default([]),
  redis: z.string().optional(),
  sessionPath: z.string().optional(),
  checkPath: z.string().optional(),
  healthPath: z.string().optional(),
  /** Where session keys live in Redis when no known layout applies (ASP.NET Core's InstanceName, custom prefixes). */
  sessionPrefix: z.string().optional(),
  /** The session cookie's name, when it is not one of the well-known ones. */
  sessionCookie: z.string().optional(),
  /** A response header that names the backend that answered (e.g. X-Served-By). */
  backendHeader: z.string().optional(),
  /** A login request for apps whose sessions need one; `${VAR}` in values is read from the environment. */
  login: z
    .strictObject({
      method: z.enum(["GET", "POST"]).default("POST"),
      path: z.string().startsWith("/"),
      form: z.record(z.string(), z.string()).optional(),
      json: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
  /** Hosts, CIDRs or URL prefixes HTTP probes may reach; by default the hosts of `url` and `nodes`. */
  allowlist: z.array(z.string()).optional(),
});
export type Targets = z.infer<typeof Targets>;
export type TargetKind = "url" | "nodes" | "redis" | "session-path" | "check-path" | "health-path";

/** One effect of a finding on a cause: positive supports it, negative rules it out; |weight| is how strongly. */
export const FindingEffect = z.strictObject({ cause: z.string(), weight: z.number().min(-1).max(1) });

export const Finding = z.strictObject({
  id: z.string().describe("stable within the probe, e.g. evicted-keys"),
  summary: z.string().describe("one sentence with the numbers behind it; never a secret"),
  data: z.record(z.string(), FactValue).optional(),
  effects: z.array(FindingEffect).default([]),
});
export type Finding = z.infer<typeof Finding>;

export const ProbeStatus = z.enum(["ok", "partial", "failed", "skipped"]);

export const ProbeOutcome = z.strictObject({
  status: ProbeStatus,
  target: z.string().describe("what was probed, credentials removed"),
  findings: z.array(Finding),
  facts: z.record(z.string(), FactValue).default({}),
});
export type ProbeOutcome = z.infer<typeof ProbeOutcome>;

export type ProbeContext = {
  targets: Targets;
  params: Record<string, unknown>;
  facts: Readonly<Record<string, FactValue>>;
  signal: AbortSignal;
  log: Logger;
  /**
   * Values one probe hands to a later one in the same run (e.g. the session cookies obtained on each node, for the
   * store lookup). Held in memory only: never persisted, logged or shown.
   */
  handoff: Map<string, unknown>;
};

/** What a flow may rely on when it names a probe: the facts it can set and their possible values. */
export type ProbeSpec = {
  name: string;
  description: string;
  needs: TargetKind[];
  facts: Record<string, { description: string; values: FactValue[] }>;
};

export type Probe = ProbeSpec & { run(ctx: ProbeContext): Promise<ProbeOutcome> };

export type ProbeRegistry = ReadonlyMap<string, Probe>;

/** Handoff: session cookies obtained directly on each node (http.nodes), for the store lookup (redis.lookup). */
export const NODE_SESSIONS = "node-sessions";
export type NodeSession = { node: string; name: string; value: string };
