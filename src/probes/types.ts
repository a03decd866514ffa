import type { Logger } from "pino";
import type { Condition, FactValue, Facts } from "../model/facts.js";
import type { ProbeOutcome } from "../model/findings.js";
import type { TargetKind, Targets } from "../model/targets.js";

export type ProbeContext = {
  targets: Targets;
  params: Record<string, unknown>;
  facts: Facts;
  signal: AbortSignal;
  log: Logger;
  /**
   * Values one probe hands to a later one in the same run (e.g. the sessions obtained on each node, for the store
   * lookup). Held in memory only: never persisted, logged or shown.
   */
  handoff: Handoff;
};

/** What a flow may rely on when it names a probe: the facts it can set and the findings it can report. */
export type ProbeSpec = {
  name: string;
  description: string;
  needs: TargetKind[];
  /**
   * Where what it reaches cannot hold the sessions (a Redis, with sessions said to live in a database): it is then
   * never named as the input that would settle a cause.
   */
  irrelevantWhen?: Condition;
  facts: Record<string, { description: string; values: FactValue[] }>;
  /** Every finding id the probe can report, with what it means; the evidence table may only name these. */
  findings: Record<string, string>;
  /** Hand-off values it writes for later probes, and those it reads (checked against the flow's order at load). */
  provides?: Array<keyof HandoffValues>;
  uses?: Array<keyof HandoffValues>;
};

/**
 * One kind of request a probe would send, as `--dry-run` lists it: an HTTP method and URL (origin and path, never
 * credentials, cookies or their values; `<placeholders>` for what only the target's answers tell), or a Redis command
 * with the shape of its arguments. `times` says how often, at most.
 */
export type PlannedRequest =
  | { kind: "http"; method: string; url: string; times: string; followsRedirects: boolean; note?: string }
  | { kind: "redis"; to: string; command: string; times: string; note?: string };

/** What a probe's plan sees: the targets and its parameters, exactly as `run` would get them. */
export type PlanContext = Pick<ProbeContext, "targets" | "params">;

export type Probe = ProbeSpec & {
  run(ctx: ProbeContext): Promise<ProbeOutcome>;
  /**
   * What `run` would send with these targets and parameters, declared beside it; it sends nothing itself. Tests run
   * each probe against a real server and check that everything it sent is declared here.
   */
  plan(ctx: PlanContext): PlannedRequest[];
};

export type ProbeRegistry = ReadonlyMap<string, Probe>;

/** A session obtained directly on a node, as the browser holds it after that node's last answer. */
export type NodeSession = {
  node: string;
  name: string;
  value: string;
  /** The route suffix the node put on the id (Tomcat jvmRoute), when its sessions carry one. */
  route?: string;
};

/** Store counters read at the start of a diagnosis, so that later readings can be taken as changes. */
export type StoreReading = {
  at: number;
  dbsize: number;
  info: Map<string, string>;
  /** Commands other clients sent per second around the reading: a busy store hides small changes. */
  opsPerSecond: number;
};

/**
 * The typed values probes hand on within one run. Each key is written by one probe and read by later ones; the flow
 * declares the order, and a reader copes with a value that is missing (its writer was skipped or failed).
 */
export type HandoffValues = {
  /** http.nodes → redis.lookup, redis.sessions */
  "node-sessions": NodeSession[];
  /** http.continuity → redis.lookup: the sessions its visitors obtained through the balancer, looked up when no node
   * gave any */
  "balancer-sessions": NodeSession[];
  /** redis.info → redis.lookup, redis.sessions */
  "store-reading": StoreReading;
  /** redis.lookup → redis.sessions: the key prefix the nodes' sessions were found under, when no layout knew it */
  "session-prefix": string;
  /**
   * http.continuity → later probes of --url: false until the balancer has answered it in full (a balancer that never
   * did, refused, hung or trickled, need not be waited on again).
   */
  "balancer-answered": boolean;
};

export class Handoff {
  private readonly values = new Map<keyof HandoffValues, unknown>();
  set<K extends keyof HandoffValues>(key: K, value: HandoffValues[K]): void {
    this.values.set(key, value);
  }
  get<K extends keyof HandoffValues>(key: K): HandoffValues[K] | undefined {
    return this.values.get(key) as HandoffValues[K] | undefined;
  }
}
