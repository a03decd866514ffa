import type { FactValue } from "../../model/facts.js";
import type { Finding } from "../../model/findings.js";
import { durationOf, formatBytes, formatDuration } from "../../units.js";
import type { Probe, StoreReading } from "../types.js";
import { flushCounts, num, parseInfoList, readStore } from "./info.js";
import { customLayout, type Layout } from "./layouts.js";
import type { ReadOnlyRedis } from "./read-only.js";
import {
  DEFAULT_LIMITS,
  discoverLayouts,
  percentile,
  sampleSessions,
  type SampleLimits,
  type SessionSample,
} from "./sample.js";
import { redisPlan, SESSIONS_NOT_IN_REDIS, withRedis } from "./run.js";
import { sessionsPerMaster, spreadOf } from "./spread.js";

const LARGE = 100 * 1024;
const SMALL = 20 * 1024;
/** A store lifetime this long outlasts the idle timeouts apps usually have. */
const LONG_LIFETIME = 4 * 3600;

/**
 * Samples the session keys (never their contents) to measure TTLs and sizes, and recognises which session store
 * wrote them, which tells the app's stack and that sessions live in a shared store.
 */
export const redisSessionsProbe: Probe = {
  name: "redis.sessions",
  description: "Samples session keys with SCAN: layout, TTL distribution against the app's idle timeout, sizes",
  needs: ["redis"],
  irrelevantWhen: SESSIONS_NOT_IN_REDIS,
  facts: {
    stack: {
      description: "the stack whose session store wrote the keys",
      values: ["express", "java-spring-session", "java-tomcat", "php", "python", "other"],
    },
    architecture: { description: "sessions live in a shared store", values: ["external-store"] },
    "session-layout": {
      description: "the recognised session key layout",
      values: ["connect-redis", "spring-session", "phpredis", "redisson-tomcat", "django", "laravel", "custom"],
    },
    "ttl-vs-timeout": { description: "store TTL shorter than the app's idle timeout", values: ["yes", "no"] },
    "session-size": { description: "sessions over 100 KB", values: ["yes", "no"] },
  },
  findings: {
    "no-sessions": "no session keys of a known layout",
    layout: "the session layout recognised, and how many keys were examined",
    "no-ttl": "session keys with no TTL",
    "ttl-shorter-than-idle-timeout": "the store drops sessions before the app's idle timeout",
    ttl: "the store's session lifetime matches the app's idle timeout",
    "ttl-uncompared": "the store's session lifetime, with the app's idle timeout unknown",
    "ttl-long": "the store keeps sessions for hours (the app's idle timeout unknown)",
    "ttl-short": "sessions live under 10 minutes in the store (the app's timeout unknown)",
    "restart-within-lifetime": "the store restarted without persistence more recently than its sessions live",
    "flush-within-lifetime": "a flush emptied the sessions' database more recently than its sessions live",
    "large-sessions": "most sessions over 100 KB",
    "some-large-sessions": "a few sessions over 100 KB",
    sizes: "the size distribution of sessions",
    "shared-with-cache": "sessions share an allkeys-* instance with cache data",
    "volatile-without-ttl": "session keys without a TTL under a volatile-* policy: they can never be evicted",
    "sessions-on-one-master": "every session on one master of a cluster: the client does not follow the slots",
    "sessions-spread": "sessions on several masters of a cluster: the client follows the slots",
    "sessions-one-slot": "every session under one hash tag on one master of a cluster: where the cluster routes them",
    "evictions-now": "keys were evicted during the diagnosis",
    "oom-now": "writes were refused for memory during the diagnosis",
    "readonly-now": "writes were refused as READONLY (a replica) during the diagnosis",
    "rejected-now": "connections were refused at maxclients during the diagnosis",
    "flush-now": "FLUSHDB or FLUSHALL ran during the diagnosis",
    "connection-churn": "many new connections to the store during the diagnosis",
    "counters-steady": "no evictions, refused writes, refused connections or flushes during the diagnosis",
    restricted: "commands not permitted here",
    cost: "what sampling cost",
    unreachable: "the store could not be reached",
    error: "the store failed mid-probe",
  },
  uses: ["store-reading", "session-prefix"],
  plan: (ctx) => {
    const limits: SampleLimits = { ...DEFAULT_LIMITS, ...pickLimits(ctx.params) };
    const match = ctx.targets.sessionPrefix ? customLayout(ctx.targets.sessionPrefix).match : "<layout's pattern>";
    const perKey = `up to ${limits.maxKeys} sampled keys, pipelined`;
    return redisPlan(ctx, [
      { command: "INFO all", times: "once per master" },
      { command: "DBSIZE", times: "once per master" },
      {
        command: `SCAN <cursor> COUNT ${limits.scanCount}`,
        times: `up to ${limits.discoveryCalls} per master`,
        note: "which known layout the keys follow (key names only)",
      },
      {
        command: `SCAN <cursor> MATCH ${match} COUNT ${limits.scanCount}`,
        times: `up to ${limits.maxScanCalls} in all, and ${limits.discoveryCalls} more per master of a cluster`,
        note: `at most ${limits.maxKeys} keys and ${limits.budgetMs / 1000} s`,
      },
      { command: "TYPE <sampled key>", times: perKey },
      { command: "PTTL <sampled key>", times: perKey },
      { command: "MEMORY USAGE <sampled key>", times: perKey },
      { command: "OBJECT IDLETIME <sampled key>", times: perKey },
    ]);
  },
  run: (ctx) =>
    withRedis(ctx, async (conn) => {
      const limits: SampleLimits = { ...DEFAULT_LIMITS, ...pickLimits(ctx.params) };
      const started = performance.now();
      const findings: Finding[] = [];
      const facts: Record<string, FactValue> = {};
      const store = await readStore(conn.keyspaces);
      const dbsize = store.dbsize;
      const prefix = sessionPrefix(ctx.targets.sessionPrefix, ctx.handoff.get("session-prefix"));
      const before = ctx.handoff.get("store-reading");

      let layout: Layout | undefined;
      let otherShare = 0;
      const discovery = await discoverLayouts(conn.keyspaces, limits);
      if (discovery.scanned > 0) otherShare = discovery.other / discovery.scanned;
      if (prefix) layout = customLayout(prefix);
      else layout = [...discovery.byLayout].sort((a, b) => b[1] - a[1])[0]?.[0];
      // A store with no sessions in sight may be a cache the engineer gave instead: what it evicts or refuses is not
      // known to be sessions.
      if (before) findings.push(...changes(before, store, conn.keyspaces.length, Boolean(layout)));

      if (!layout) {
        findings.push({
          id: "no-sessions",
          summary: `no session keys of a known layout among the first ${discovery.scanned} of ${dbsize} keys; give the key prefix (--session-prefix) if sessions are stored under a custom one`,
          data: { dbsize, scanned: discovery.scanned },
        });
        return { status: "partial", target: conn.target.display, findings, facts };
      }

      const sample = await sampleSessions(conn.keyspaces, layout, limits);
      const scope = sample.complete
        ? `all ${sample.examined}`
        : `${sample.examined} sampled (stopped by the ${sample.stoppedBy})`;
      findings.push({
        id: "layout",
        summary: `${scope} session keys of ${layout.store} (${layout.match}) among ${dbsize} keys`,
        data: {
          layout: layout.id,
          examined: sample.examined,
          dbsize,
          scanCalls: sample.scanCalls,
          complete: sample.complete,
        },
      });
      if (sample.examined > 0) {
        facts.architecture = "external-store";
        facts["session-layout"] = layout.id;
        if (layout.id !== "custom") facts.stack = layout.stack;
        findings.push(...ttlFindings(sample, ctx.facts["idle-timeout"], facts));
        findings.push(
          ...wipeFindings(sample, before, ctx.facts["store-lost-at-restart"], conn.keyspaces.length, conn.target.db),
        );
        findings.push(...sizeFindings(sample, facts));
        findings.push(...sharingFindings(store.info, otherShare, layout));
        findings.push(...volatileFindings(store.info, sample));
        findings.push(...(await clusterFindings(conn.keyspaces, layout, limits)));
      }
      if (sample.unavailable.length) {
        findings.push({
          id: "restricted",
          summary: `not permitted or renamed here: ${sample.unavailable.join(", ")}; those measurements are missing`,
        });
      }
      findings.push({
        id: "cost",
        summary: `${conn.commandsSent()} commands, ${sample.scanCalls + discovery.scanCalls} SCAN calls, ${Math.round(performance.now() - started)} ms`,
        data: { commands: conn.commandsSent(), elapsedMs: Math.round(performance.now() - started) },
      });
      return { status: sample.examined > 0 ? "ok" : "partial", target: conn.target.display, findings, facts };
    }),
};

/**
 * The prefix to sample: the one given, narrowed to where the sessions signed in during the diagnosis were found when
 * that extends it. A broad prefix ("app:") also takes in the app's cache keys ("app:cache:…"), whose TTLs and sizes
 * are not the sessions'.
 */
export function sessionPrefix(given: string | undefined, found: string | undefined): string | undefined {
  if (given === undefined) return found;
  return found !== undefined && found.startsWith(given) ? found : given;
}

function pickLimits(params: Record<string, unknown>): Partial<SampleLimits> {
  const out: Partial<SampleLimits> = {};
  for (const key of Object.keys(DEFAULT_LIMITS) as Array<keyof SampleLimits>) {
    if (typeof params[key] === "number") out[key] = params[key] as number;
  }
  return out;
}

/** The longest lifetime the store gave a session: remaining TTL plus idle time, as of its last write or touch. */
function storeLifetime(sample: SessionSample): number | undefined {
  return percentile(sample.lifetimes.length ? sample.lifetimes : sample.ttls, 100);
}

/**
 * A store emptied more recently than its sessions live: every session signed in before would still be valid by its
 * cookie, and none of them is left. Not a guess that something happened, as a flush counter alone is: the timing says
 * it did, to whoever was signed in then. The counters start at the start, so on a server younger than the sessions'
 * lifetime every flush counted fell within it (on a cluster the counters of masters that started earlier are summed
 * in, so there the start does not time them). The loss is over, so it is no anomaly of the system as it stands.
 */
function wipeFindings(
  sample: SessionSample,
  before: StoreReading | undefined,
  lostAtRestart: FactValue | undefined,
  servers: number,
  db: number,
): Finding[] {
  const uptime = before && num(before.info, "uptime_in_seconds");
  const lifetime = storeLifetime(sample);
  if (!before || uptime === undefined || lifetime === undefined || uptime >= lifetime) return [];
  const data = { uptimeSeconds: uptime, lifetimeSeconds: Math.round(lifetime) };
  const within = `${formatDuration(uptime)} ago, within the ${formatDuration(lifetime)} its sessions live`;
  const findings: Finding[] = [];
  if (lostAtRestart === "yes")
    findings.push({
      id: "restart-within-lifetime",
      summary: `the store restarted without persistence ${within}: every session signed in before the restart was still valid, and none of them is left`,
      data,
    });
  const { onDb } = flushCounts(before.info, db);
  if (servers === 1 && onDb > 0)
    findings.push({
      id: "flush-within-lifetime",
      summary: `FLUSHDB/FLUSHALL emptied the sessions' database ${onDb === 1 ? "once" : `${onDb} times`} since the store started ${within}: every session signed in before the flush was still valid, and it deleted them`,
      data: { ...data, flushes: onDb },
    });
  return findings;
}

function ttlFindings(
  sample: SessionSample,
  idleFact: FactValue | undefined,
  facts: Record<string, FactValue>,
): Finding[] {
  const findings: Finding[] = [];
  const n = sample.examined;
  if (sample.withoutTtl > 0) {
    findings.push({
      id: "no-ttl",
      summary: `${sample.withoutTtl} of ${n} session keys have no TTL: they never expire, and volatile-* eviction cannot remove them`,
      data: { withoutTtl: sample.withoutTtl, examined: n },
    });
  }
  if (sample.ttls.length === 0) return findings;
  const lifetime = storeLifetime(sample)!;
  const dist = `remaining TTL p50 ${formatDuration(percentile(sample.ttls, 50)!)}, max ${formatDuration(percentile(sample.ttls, 100)!)}; store lifetime about ${formatDuration(lifetime)}`;
  const data = {
    ttlP50Seconds: Math.round(percentile(sample.ttls, 50)!),
    ttlMaxSeconds: Math.round(percentile(sample.ttls, 100)!),
    lifetimeSeconds: Math.round(lifetime),
  };
  const idle = durationOf(idleFact);
  if (idle !== undefined) {
    if (lifetime < idle * 0.9) {
      findings.push({
        id: "ttl-shorter-than-idle-timeout",
        summary: `${dist}, but the app's idle timeout is ${formatDuration(idle)}: the store drops sessions after ${formatDuration(lifetime)} that the app still considers valid`,
        data: { ...data, idleTimeoutSeconds: idle },
      });
      facts["ttl-vs-timeout"] = "yes";
    } else {
      findings.push({
        id: "ttl",
        summary: `${dist}; the app's idle timeout is ${formatDuration(idle)}: they match`,
        data: { ...data, idleTimeoutSeconds: idle },
      });
      if (!sample.withoutTtl) facts["ttl-vs-timeout"] = "no";
    }
  } else if (lifetime >= LONG_LIFETIME) {
    findings.push({
      id: "ttl-long",
      summary: `${dist}: the store keeps sessions for hours, longer than idle timeouts usually are (the app's own is not known)`,
      data,
    });
  } else if (lifetime < 600) {
    findings.push({
      id: "ttl-short",
      summary: `${dist}: sessions live under 10 minutes in the store, shorter than usual idle timeouts (20–30 min); compare with the app's timeout`,
      data,
    });
  } else {
    findings.push({
      id: "ttl-uncompared",
      summary: `${dist} (the app's idle timeout is not known, so it was not compared: answer idle-timeout)`,
      data,
    });
  }
  return findings;
}

function sizeFindings(sample: SessionSample, facts: Record<string, FactValue>): Finding[] {
  if (sample.sizes.length === 0) return [];
  const p50 = percentile(sample.sizes, 50)!;
  const p95 = percentile(sample.sizes, 95)!;
  const max = percentile(sample.sizes, 100)!;
  const large = sample.sizes.filter((s) => s > LARGE).length;
  const text = `session size p50 ${formatBytes(p50)}, p95 ${formatBytes(p95)}, max ${formatBytes(max)}; ${large} over 100 KB`;
  const data = { p50Bytes: p50, p95Bytes: p95, maxBytes: max, over100k: large, sampled: sample.sizes.length };
  if (p95 > LARGE) {
    facts["session-size"] = "yes";
    return [
      {
        id: "large-sessions",
        summary: `${text}: sessions this large slow every request and are first to go under memory pressure`,
        data,
      },
    ];
  }
  if (large > 0)
    return [
      {
        id: "some-large-sessions",
        summary: `${text}: a few sessions are very large`,
        data,
      },
    ];
  if (p95 < SMALL) facts["session-size"] = "no";
  return [{ id: "sizes", summary: text, data }];
}

/** Sessions sharing an allkeys-* instance with other data are evicted along with it under memory pressure. */
function sharingFindings(memory: Map<string, string>, otherShare: number, layout: Layout): Finding[] {
  const policy = memory.get("maxmemory_policy") ?? "";
  const max = num(memory, "maxmemory") ?? 0;
  if (!policy.startsWith("allkeys-") || max === 0 || otherShare < 0.2) return [];
  return [
    {
      id: "shared-with-cache",
      summary: `${Math.round(otherShare * 100)} % of scanned keys are not ${layout.store} sessions, under ${policy} with a ${formatBytes(max)} limit: sessions are evicted along with cache data`,
      data: { otherShare: Math.round(otherShare * 100) / 100, policy },
    },
  ];
}

/** Sessions without a TTL are never candidates for volatile-* eviction: the store fills and refuses writes (OOM). */
function volatileFindings(memory: Map<string, string>, sample: SessionSample): Finding[] {
  const policy = memory.get("maxmemory_policy") ?? "";
  const max = num(memory, "maxmemory") ?? 0;
  if (!policy.startsWith("volatile-") || max === 0 || sample.withoutTtl === 0) return [];
  const used = num(memory, "used_memory") ?? 0;
  const ratio = Math.round((used / max) * 100) / 100;
  return [
    {
      id: "volatile-without-ttl",
      summary: `${sample.withoutTtl} of ${sample.examined} session keys have no TTL under ${policy}, which evicts only keys with one: they pile up until the ${formatBytes(max)} limit (${Math.round(ratio * 100)} % used now), then writes fail with OOM`,
      data: { withoutTtl: sample.withoutTtl, examined: sample.examined, policy, ratio },
    },
  ];
}

/** On a cluster: do the sessions sit on the masters their slots name, or only on the one node a plain client knows? */
async function clusterFindings(keyspaces: ReadOnlyRedis[], layout: Layout, limits: SampleLimits): Promise<Finding[]> {
  if (keyspaces.length < 2) return [];
  const masters = await sessionsPerMaster(keyspaces, layout, {
    calls: limits.discoveryCalls,
    scanCount: limits.scanCount,
  });
  const spread = spreadOf(masters);
  const counts = masters.map((m) => `${m.master} ${m.sessions}${m.complete ? "" : "+"}`).join(", ");
  if (spread?.kind === "one-master")
    return [
      {
        id: "sessions-on-one-master",
        summary: `all ${spread.sessions} sessions found are on ${spread.on}, none on the other ${masters.length - 1} masters (${counts}), though their keys would spread over the slots: the app's client writes to one node and does not follow the cluster's slots (its other writes are answered MOVED)`,
        data: { sessions: spread.sessions, masters: masters.length },
      },
    ];
  if (spread?.kind === "one-slot")
    return [
      {
        id: "sessions-one-slot",
        summary: `all ${spread.sessions} sessions found carry one hash tag and sit on ${spread.on}, none on the other ${masters.length - 1} masters (${counts}): a master keeps only keys of its own slots, so they were written where the cluster routes them; that one master carries all the session load`,
        data: { sessions: spread.sessions, masters: masters.length },
      },
    ];
  if (spread?.kind === "spread")
    return [
      {
        id: "sessions-spread",
        summary: `sessions on ${spread.on} of ${masters.length} masters (${counts}): the app's client follows the cluster's slots`,
        data: { holding: spread.on, masters: masters.length },
      },
    ];
  return [];
}

/** Connections the probes themselves open between the two readings: redis.lookup and redis.sessions, per keyspace. */
const OWN_CONNECTIONS_PER_KEYSPACE = 3;
/** New connections a second, beyond the probes' own, that say clients connect per request or keep reconnecting. */
const CHURN_PER_SECOND = 2;

/** Counters as changes since redis.info read them at the start of the diagnosis: what is happening now. */
function changes(
  before: StoreReading,
  store: { info: Map<string, string>; dbsize: number },
  keyspaces: number,
  sessionsSeen: boolean,
): Finding[] {
  const now = store.info;
  const seconds = Math.max(1, Math.round((Date.now() - before.at) / 1000));
  const delta = (read: (info: Map<string, string>) => number) => Math.max(0, read(now) - read(before.info));
  const field = (name: string) => (info: Map<string, string>) => num(info, name) ?? 0;
  const stat = (name: string, key: string) => (info: Map<string, string>) =>
    Number(parseInfoList(info.get(name) ?? `${key}=0`)[key] ?? 0);
  const found: Finding[] = [];
  const evicted = delta(field("evicted_keys"));
  if (evicted)
    found.push({
      id: "evictions-now",
      summary: `${evicted} keys evicted in the ${seconds} s of this diagnosis: the store is deleting keys under memory pressure right now`,
      data: { evicted, seconds, sessionsSeen },
    });
  const oom = delta(stat("errorstat_OOM", "count"));
  if (oom)
    found.push({
      id: "oom-now",
      summary: `${oom} writes refused with "OOM command not allowed" in the ${seconds} s of this diagnosis`,
      data: { refused: oom, seconds, sessionsSeen },
    });
  // A replica counts the writes it refuses: some client writes here now, and the app is the one signing in.
  const readonly = delta(stat("errorstat_READONLY", "count"));
  if (readonly)
    found.push({
      id: "readonly-now",
      summary: `${readonly} writes refused with "READONLY You can't write against a read only replica" in the ${seconds} s of this diagnosis: a client writes its sessions to this replica`,
      data: { refused: readonly, seconds },
      anomaly: true,
    });
  const rejected = delta(field("rejected_connections"));
  if (rejected)
    found.push({
      id: "rejected-now",
      summary: `${rejected} connections refused at maxclients in the ${seconds} s of this diagnosis`,
      data: { rejected, seconds },
    });
  const flushes = delta(stat("cmdstat_flushdb", "calls")) + delta(stat("cmdstat_flushall", "calls"));
  // The counters are server-wide: only a keyspace that emptied at the same time says the sessions' database went.
  const emptied = before.dbsize > 0 && store.dbsize < before.dbsize / 2;
  if (flushes)
    found.push({
      id: "flush-now",
      summary: `FLUSHDB/FLUSHALL ran ${flushes} times during this diagnosis${emptied ? `, and the keys here fell from ${before.dbsize} to ${store.dbsize}: every session was deleted` : " (on this server; the keys here did not fall)"}`,
      data: { flushes, seconds, emptied },
      ...(emptied ? { anomaly: true } : {}),
    });
  if (found.length === 0)
    found.push({
      id: "counters-steady",
      summary: `no evictions, refused writes, refused connections or flushes in the ${seconds} s of this diagnosis`,
      data: { seconds },
    });
  const connections = delta(field("total_connections_received")) - OWN_CONNECTIONS_PER_KEYSPACE * keyspaces;
  if (connections / seconds >= CHURN_PER_SECOND)
    found.push({
      id: "connection-churn",
      summary: `${connections} new connections to the store in the ${seconds} s of this diagnosis (besides sessiondoc's own): clients connect per request or keep reconnecting`,
      data: { connections, seconds, perSecond: Math.round((connections / seconds) * 10) / 10 },
    });
  return found;
}
