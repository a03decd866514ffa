import { z } from "zod";

const env = z.record(z.string(), z.string());

/** A test on a number or a string the proof measured. */
const Expectation = z.union([
  z.strictObject({ equals: z.union([z.number(), z.string()]) }),
  z.strictObject({ above: z.number() }),
  z.strictObject({ below: z.number() }),
]);
export type Expectation = z.infer<typeof Expectation>;

/**
 * What the lab checks before grading, with its own small client rather than sessiondoc's probes: that the fault
 * is really there (or, for a healthy system, really absent).
 */
export const Proof = z.discriminatedUnion("kind", [
  /**
   * A cookie-keeping client signs in (through the balancer, or one node) and counts answers that are not signed in;
   * `users` sign in one after another, each with its own cookies (a fault that strikes only the users of one node).
   * `signInVia` signs in on that node instead and checks through `via`: a balancer that evens out requests per backend
   * (Apache's byrequests) sends an unroutable session back to its own node until that node has caught up, so only a
   * long run of one such session is sure to be moved.
   */
  z.strictObject({
    kind: z.literal("continuity"),
    via: z.union([z.literal("balancer"), z.number().int().min(1)]).default("balancer"),
    signInVia: z.number().int().min(1).optional(),
    users: z.number().int().positive().default(1),
    requests: z.number().int().positive().default(12),
    lost: Expectation,
  }),
  /** A session made on node `from` is presented to node `to`. */
  z.strictObject({
    kind: z.literal("cross-node"),
    from: z.number().int().min(1).default(1),
    to: z.number().int().min(1).default(2),
    recognised: z.boolean(),
  }),
  /** A sign-in (through the balancer, or one node) sets a cookie whose Set-Cookie header matches (case-insensitive). */
  z.strictObject({
    kind: z.literal("set-cookie"),
    via: z.union([z.literal("balancer"), z.number().int().min(1)]).default("balancer"),
    pattern: z.string(),
  }),
  /** Two independent visitors sign in through the balancer: whether they end up with the same cookies. */
  z.strictObject({ kind: z.literal("shared-session"), shared: z.boolean() }),
  /**
   * GETs `path` through the balancer `times` times (after signing in, with `signIn`); the last answer's status, and
   * its headers and body (as `name: value` lines, a blank line, the body) matching `pattern` (case-insensitive).
   */
  z.strictObject({
    kind: z.literal("response"),
    path: z.string().startsWith("/"),
    signIn: z.boolean().default(false),
    times: z.number().int().min(1).max(5).default(1),
    status: Expectation.optional(),
    pattern: z.string().optional(),
  }),
  /** A field of the store's INFO. */
  z.strictObject({ kind: z.literal("redis-info"), field: z.string(), expect: Expectation }),
  /** Keys matching a SCAN pattern: their count, or the largest TTL among them (seconds; -1 when none has one). */
  z.strictObject({
    kind: z.literal("redis-keys"),
    match: z.string(),
    count: Expectation.optional(),
    ttl: Expectation.optional(),
  }),
  /**
   * One socket.io (engine.io) long-polling handshake through the balancer, then `polls` polls with its session id,
   * each given a moment: counts those answered 400 "Session ID unknown" (a held poll ends the count).
   */
  z.strictObject({
    kind: z.literal("realtime"),
    path: z.string().startsWith("/").default("/socket.io/"),
    polls: z.number().int().positive().default(4),
    unknown: Expectation,
  }),
  /**
   * A lost update, made on purpose: a signed-in client starts a slow GET (`slow`), adds an item with a POST to `write`
   * while it runs, then reads `read` (JSON `{ items: [] }`): `lost` says whether the item was gone.
   */
  z.strictObject({
    kind: z.literal("lost-update"),
    slow: z.string().startsWith("/").default("/slow"),
    write: z.string().startsWith("/").default("/cart"),
    read: z.string().startsWith("/").default("/cart"),
    lost: z.boolean(),
  }),
  /** A node's log (1-based) mentions this; without `node`, any node's (a fault every node meets, on whichever node a
   * balancer happened to send the requests that show it). */
  z.strictObject({ kind: z.literal("log"), node: z.number().int().min(1).optional(), pattern: z.string() }),
]);
export type Proof = z.infer<typeof Proof>;

const Login = z.strictObject({
  method: z.enum(["GET", "POST"]).default("POST"),
  path: z.string().startsWith("/"),
  form: env.optional(),
});

/**
 * The session store: one server (optionally a replica the app is pointed at), a master and replica watched by
 * Sentinel, or a three-master Cluster. `args` go to every redis-server.
 */
export const RedisSpec = z
  .strictObject({
    topology: z.enum(["single", "sentinel", "cluster"]).default("single"),
    args: z.array(z.string()).default([]),
    /** The app and the probes use a replica of the store (as after a failover nobody followed). */
    replica: z.boolean().default(false),
    /** Cache data sharing the instance: this many keys of this many bytes, written before the app starts. */
    cache: z.strictObject({ keys: z.number().int().positive(), bytes: z.number().int().positive() }).optional(),
    /** Sentinel: how many sentinels watch the master (quorum 1). */
    sentinels: z.number().int().min(1).max(5).default(1),
    /**
     * Sentinel: once the first users signed in, a real failover (`SENTINEL FAILOVER`); the lab waits until the
     * replica is promoted and the old master follows it, then as many users sign in again.
     */
    failover: z.boolean().default(false),
    /**
     * Single: what happens to the store once the first users signed in, before as many sign in again — `flush`
     * (a deploy script's FLUSHDB on the sessions' database), `flush-after-select-0` (the same from a client that sends
     * SELECT 0 first, as Laravel's does), `flush-other-db` (a cache clear's FLUSHDB on database 1,
     * which holds cache keys), `flushall` (the same clear with FLUSHALL, which takes the sessions too), `restart` (SHUTDOWN and start again with the same options and data folder), or
     * `drop-clients` (every client connection dropped, as by a network blip).
     */
    afterSignIns: z
      .enum(["flush", "flush-after-select-0", "flush-other-db", "flushall", "restart", "drop-clients"])
      .optional(),
    /** Single: connections other services hold open on the store for the whole run (their pools). */
    idleClients: z.number().int().positive().optional(),
  })
  .superRefine((spec, ctx) => {
    const onlyFor = (key: "replica" | "cache" | "failover" | "afterSignIns" | "idleClients", topology: string) =>
      ctx.addIssue({ code: "custom", path: [key], message: `only for topology ${topology}` });
    if (spec.topology !== "single" && spec.replica) onlyFor("replica", "single");
    if (spec.topology !== "single" && spec.cache) onlyFor("cache", "single");
    if (spec.topology !== "sentinel" && spec.failover) onlyFor("failover", "sentinel");
    if (spec.topology !== "single" && spec.afterSignIns) onlyFor("afterSignIns", "single");
    if (spec.topology !== "single" && spec.idleClients) onlyFor("idleClients", "single");
  });
export type RedisSpec = z.infer<typeof RedisSpec>;

/** One lab scenario: real parts misconfigured the way teams misconfigure them, and the diagnosis expected. */
export const Scenario = z.strictObject({
  id: z.string().regex(/^[a-z][a-z0-9-]*$/),
  title: z.string().min(1),
  /** What is broken and why the expected cause is right (or why the healthy system looks suspicious). */
  why: z.string().min(1).optional(),
  /** The truth: a cause id, or "no-fault-found" for a healthy system. */
  expect: z.string().min(1),
  /**
   * The verdict sessiondoc should honestly reach. Defaults to cause-found for a fault and no-fault-found for a
   * healthy system; "inconclusive" where the targets given cannot show the fault.
   */
  verdict: z.enum(["cause-found", "no-fault-found", "inconclusive"]).optional(),
  /**
   * The fault shows through the targets on some runs only (where a random id hashes): naming the right cause then is
   * no miss, though the verdict expected is inconclusive.
   */
  shownSometimes: z.boolean().default(false),
  /** The evidence weights were tuned on this scenario (its figures are reported apart from the others). */
  tuned: z.boolean().default(false),
  /**
   * Written after the evidence weights, by someone who did not read them, and never used to tune them: the figures
   * on these scenarios are the ones that say how sessiondoc does on systems it has not seen.
   */
  heldOut: z.boolean().default(false),
  /** Runs in `npm test` (fast, Node and HAProxy only); the rest run in `npm run lab -- check`. */
  fast: z.boolean().default(false),
  /** Questions a person would have been asked (left unanswered in --non-interactive): at most this many. */
  questions: z.number().int().min(0).default(0),
  redis: RedisSpec.optional(),
  app: z
    .strictObject({
      kind: z.string().default("express"),
      /** Variables every node gets (each node's own `env` wins). */
      env: env.default({}),
      nodes: z.array(z.strictObject({ env: env.default({}), clockOffset: z.string().optional() })).min(1),
    })
    .optional(),
  balancer: z
    .strictObject({
      kind: z.string().default("haproxy"),
      sticky: z.boolean().default(false),
      healthChecks: z.boolean().default(false),
      forwardedProto: z.string().optional(),
      rotatingCookie: z
        .strictObject({ name: z.string().regex(/^\w+$/).default("AWSALB"), routes: z.boolean().default(true) })
        .optional(),
      lines: z.array(z.string()).default([]),
      frontLines: z.array(z.string()).default([]),
    })
    .default({ kind: "haproxy", sticky: false, healthChecks: false, lines: [], frontLines: [] }),
  /** What the diagnosing engineer gives sessiondoc; by default every target, with the stack's paths. */
  targets: z
    .strictObject({
      url: z.boolean().default(true),
      nodes: z.boolean().default(true),
      redis: z.boolean().default(true),
      /**
       * The `--redis` given: the store as its topology is reached ("topology": the server, `redis+sentinel://…/NAME`
       * or `redis+cluster://…`), or the one address in the app's own config ("app").
       */
      redisAddress: z.enum(["topology", "app"]).default("topology"),
      health: z.boolean().default(true),
      sessionPath: z.string().optional(),
      checkPath: z.string().optional(),
      login: Login.optional(),
      backendHeader: z.string().optional(),
      sessionCookie: z.string().optional(),
      sessionPrefix: z.string().optional(),
    })
    .default({ url: true, nodes: true, redis: true, redisAddress: "topology", health: true }),
  /** Sessions created through the balancer before diagnosing, so the store holds real traffic. */
  logins: z.number().int().min(0).default(10),
  proof: z.array(Proof).default([]),
  /** What a user would add: answers to questions and pasted logs. */
  answers: env.default({}),
  /**
   * What the engineer would answer if asked, from the system as it is set up (not from the evidence weights): the
   * lab answers each question the report would ask next with these, as a script steps through a diagnosis.
   */
  knows: env.default({}),
  evidence: z.string().optional(),
  /** Nodes (1-based) whose own log is pasted as evidence, as an engineer would paste the app's log. */
  evidenceFromLogs: z.array(z.number().int().min(1)).default([]),
});
export type Scenario = z.infer<typeof Scenario>;

/** The verdict a scenario should reach. */
export function expectedVerdict(s: Scenario): "cause-found" | "no-fault-found" | "inconclusive" {
  return s.verdict ?? (s.expect === "no-fault-found" ? "no-fault-found" : "cause-found");
}

/** The parts a scenario runs: app stack, balancer, store topology (`php+nginx+redis-single`). */
export function describeStack(s: Scenario): string {
  return [s.app?.kind, s.app && s.balancer.kind, s.redis && `redis-${s.redis.topology}`].filter(Boolean).join("+");
}
