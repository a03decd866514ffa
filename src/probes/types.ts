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
});
export type Targets = z.infer<typeof Targets>;
export type TargetKind = "url" | "nodes" | "redis";

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
