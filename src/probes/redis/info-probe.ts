import type { FactValue } from "../../model/facts.js";
import type { Finding, ProbeOutcome } from "../../model/findings.js";
import type { Probe } from "../types.js";
import { formatBytes, formatDuration } from "../../units.js";
import { flushCounts, num, parseInfoList, readStore } from "./info.js";
import type { ReadOnlyRedis } from "./read-only.js";
import { redisPlan, SESSIONS_NOT_IN_REDIS, withRedis } from "./run.js";

/** Server-level health of the session store: memory and evictions, replication, persistence, clock, latency. */
export const redisInfoProbe: Probe = {
  name: "redis.info",
  description: "Reads INFO, CONFIG GET, ROLE, TIME, LATENCY and SLOWLOG of the session store",
  needs: ["redis"],
  irrelevantWhen: SESSIONS_NOT_IN_REDIS,
  facts: {
    "store-reachable": { description: "the store answered", values: [true, false] },
    "store-evictions": { description: "the store is evicting or refusing writes for memory", values: ["yes", "no"] },
    "store-replica": {
      description: "the store the app uses is a replica or cut off from its master",
      values: ["yes", "no"],
    },
    "store-role": {
      description: "the server at the address given is a master or a replica",
      values: ["master", "replica"],
    },
    "store-clock-offset-ms": { description: "the store's clock minus this host's", values: [0] },
    "store-cluster": { description: "the store is a Redis Cluster", values: ["yes", "no"] },
    "store-promoted": { description: "the store's master was promoted from a replica", values: ["yes", "no"] },
    "store-lost-at-restart": {
      description: "the store restarted without persistence (a master that was never a replica): it came back empty",
      values: ["yes", "no"],
    },
  },
  findings: {
    server: "the server's version, mode, uptime and clients",
    "evictions-since-start": "keys evicted since the server started (a total, rated by uptime)",
    "oom-since-start": "writes refused for memory since the server started",
    "noeviction-full": "memory near maxmemory with noeviction: writes will be refused",
    "memory-near-limit": "memory close to maxmemory: evictions will start",
    memory: "memory headroom and no evictions ever",
    "rejected-connections-since-start": "connections refused at maxclients since the server started",
    "clients-near-max": "connected clients close to maxclients",
    clients: "connected clients well below maxclients, none refused since the start",
    "flushes-since-start": "FLUSHDB or FLUSHALL ran since the server started (on any database of the server)",
    "no-flushes": "no FLUSHDB or FLUSHALL since the server started",
    "restarted-recently": "the server restarted recently without persistence: everything it held was lost",
    "cluster-mode": "the store is a Redis Cluster",
    "not-cluster": "the store is not a Redis Cluster",
    loading: "the store is loading its dataset",
    "store-is-replica": "the store the app uses is a replica",
    "replica-lag": "replicas lag behind or are not online",
    replication: "a master whose replicas are in sync (or that has none)",
    promoted: "the master was promoted from a replica: a failover happened",
    persistence: "the last RDB save or AOF write failed",
    clock: "the store's clock against this host's",
    latency: "latency spikes and slow-log entries",
    restricted: "commands not permitted here, read from INFO instead",
    unreachable: "the store could not be reached",
    error: "the store failed mid-probe",
  },
  provides: ["store-reading"],
  plan: (ctx) =>
    redisPlan(ctx, [
      { command: "TIME", times: "once", note: "after a PING, against this host's clock" },
      { command: "INFO all", times: "once per master" },
      { command: "DBSIZE", times: "once per master" },
      { command: "CONFIG GET *max*", times: "once" },
      { command: "CONFIG GET min-replicas-*", times: "once, when CONFIG GET is permitted" },
      { command: "CONFIG GET save", times: "once, when CONFIG GET is permitted" },
      { command: "ROLE", times: "once" },
      { command: "LATENCY LATEST", times: "once" },
      { command: "SLOWLOG GET 32", times: "once", note: "counts and durations only" },
    ]),
  run: (ctx) =>
    withRedis(ctx, async (conn) => {
      const redis = conn.primary;
      const findings: Finding[] = [];
      const facts: Record<string, FactValue> = { "store-reachable": true };

      const clock = await measureClock(redis);
      const { info, dbsize } = await readStore(conn.keyspaces);
      ctx.handoff.set("store-reading", {
        at: Date.now(),
        dbsize,
        info,
        opsPerSecond: num(info, "instantaneous_ops_per_sec") ?? 0,
      });
      const config = await readConfig(redis);
      const role = await redis.try("ROLE");

      findings.push({
        id: "server",
        summary: `Redis ${info.get("redis_version") ?? "?"} (${info.get("redis_mode") ?? "standalone"}), up ${formatDuration(num(info, "uptime_in_seconds") ?? 0)}, ${num(info, "connected_clients") ?? "?"} clients`,
        data: { version: info.get("redis_version") ?? "", uptimeSeconds: num(info, "uptime_in_seconds") ?? 0 },
      });
      findings.push(...capacity(info, config, facts));
      findings.push(...clients(info, config));
      const roleValue = role.ok ? (role.value as unknown[]) : undefined;
      findings.push(...wipes(info, config, conn.target.db, isReplica(info, roleValue), facts));
      const cluster = info.get("cluster_enabled") === "1" || info.get("redis_mode") === "cluster";
      facts["store-cluster"] = cluster ? "yes" : "no";
      findings.push(
        cluster
          ? {
              id: "cluster-mode",
              summary:
                "the store is a Redis Cluster: clients must be cluster-aware (follow MOVED), and multi-key commands need hash tags",
            }
          : { id: "not-cluster", summary: "the store is not a Redis Cluster: no MOVED, CROSSSLOT or slot topology" },
      );
      findings.push(...replication(info, roleValue, config, facts, conn.target.display));
      findings.push(...persistence(info));
      findings.push(clockFinding(clock));
      facts["store-clock-offset-ms"] = clock.offsetMs;
      findings.push(...(await latency(redis)));
      const unavailable = Object.entries(config.unavailable).map(([k]) => k);
      if (!role.ok && role.unavailable) unavailable.push("ROLE");
      if (unavailable.length) {
        findings.push({
          id: "restricted",
          summary: `not permitted or renamed here: ${unavailable.join(", ")}; read from INFO instead`,
        });
      }
      const outcome: ProbeOutcome = { status: "ok", target: conn.target.display, findings, facts };
      return outcome;
    }),
};

type Config = { values: Record<string, string>; unavailable: Record<string, string> };

/**
 * CONFIG GET where permitted (maxmemory, maxmemory-policy, maxclients, min-replicas-*, save); managed services without
 * CONFIG, and ACL users without it, fall back to the same fields in INFO.
 */
async function readConfig(redis: ReadOnlyRedis): Promise<Config> {
  const reply = await redis.try("CONFIG", "GET", "*max*");
  const config: Config = { values: {}, unavailable: {} };
  if (!reply.ok) {
    config.unavailable["CONFIG GET"] = reply.error;
    return config;
  }
  const flat = reply.value as string[];
  for (let i = 0; i + 1 < flat.length; i += 2) config.values[flat[i]!] = flat[i + 1]!;
  for (const pattern of ["min-replicas-*", "save"]) {
    const rest = await redis.try("CONFIG", "GET", pattern);
    if (!rest.ok) continue;
    const more = rest.value as string[];
    for (let i = 0; i + 1 < more.length; i += 2) config.values[more[i]!] = more[i + 1]!;
  }
  return config;
}

/** Per hour since the server started: a total since a restart months ago says little about today. */
function perHour(count: number, info: Map<string, string>): number {
  const uptime = Math.max(1, num(info, "uptime_in_seconds") ?? 1);
  return Math.round((count / uptime) * 3600 * 100) / 100;
}

function capacity(info: Map<string, string>, config: Config, facts: Record<string, FactValue>): Finding[] {
  const used = num(info, "used_memory") ?? 0;
  const max = Number(config.values["maxmemory"] ?? num(info, "maxmemory") ?? 0);
  const policy = config.values["maxmemory-policy"] ?? info.get("maxmemory_policy") ?? "unknown";
  const evicted = num(info, "evicted_keys") ?? 0;
  const oomErrors = Number(parseInfoList(info.get("errorstat_OOM") ?? "count=0").count ?? 0);
  const ratio = max > 0 ? used / max : 0;
  const memory = `used_memory ${formatBytes(used)}${max > 0 ? ` of maxmemory ${formatBytes(max)} (${Math.round(ratio * 100)} %)` : " with no maxmemory limit"}, policy ${policy}`;
  const data = { usedMemory: used, maxMemory: max, policy, ratio: Math.round(ratio * 100) / 100 };
  const findings: Finding[] = [];
  const uptime = formatDuration(num(info, "uptime_in_seconds") ?? 0);

  if (evicted > 0 && policy !== "noeviction")
    findings.push({
      id: "evictions-since-start",
      summary: `evicted_keys ${evicted} in ${uptime} since the last restart (${perHour(evicted, info)} an hour): the store deletes keys under memory pressure, and sessions carry a TTL so ${policy} can pick them; ${memory}`,
      data: { ...data, evictedKeys: evicted, perHour: perHour(evicted, info) },
    });
  if (oomErrors > 0)
    findings.push({
      id: "oom-since-start",
      summary: `${oomErrors} commands refused with "OOM command not allowed" in ${uptime} since the last restart (${perHour(oomErrors, info)} an hour); ${memory}`,
      data: { ...data, oomErrors, perHour: perHour(oomErrors, info) },
    });
  if (policy === "noeviction" && max > 0 && ratio >= 0.85)
    findings.push({
      id: "noeviction-full",
      summary: `${memory}: near the limit with noeviction, writes will fail with "OOM command not allowed"`,
      data,
    });
  else if (max > 0 && ratio >= 0.9)
    findings.push({ id: "memory-near-limit", summary: `${memory}: close to the limit, evictions will start`, data });
  if (findings.length === 0) {
    findings.push({ id: "memory", summary: `no evictions since the last restart; ${memory}`, data });
    facts["store-evictions"] = "no";
  } else if (evicted > 0 || oomErrors > 0) facts["store-evictions"] = "yes";
  return findings;
}

function clients(info: Map<string, string>, config: Config): Finding[] {
  const rejected = num(info, "rejected_connections") ?? 0;
  const connected = num(info, "connected_clients") ?? 0;
  const blocked = num(info, "blocked_clients") ?? 0;
  const max = Number(config.values["maxclients"] ?? num(info, "maxclients") ?? 0);
  const findings: Finding[] = [];
  if (rejected > 0)
    findings.push({
      id: "rejected-connections-since-start",
      summary: `rejected_connections ${rejected} since the last restart (${perHour(rejected, info)} an hour): clients were turned away at maxclients ${max || "?"} (${connected} connected now): a pool that cannot connect hands the app no session`,
      data: { rejectedConnections: rejected, perHour: perHour(rejected, info), connected, maxClients: max },
    });
  if (max > 0 && connected >= max * 0.9)
    findings.push({
      id: "clients-near-max",
      summary: `${connected} clients connected of maxclients ${max}: new connections (a pool growing, a node starting) will be refused`,
      data: { connected, maxClients: max },
    });
  if (findings.length === 0)
    findings.push({
      id: "clients",
      summary: `${connected} clients connected${max > 0 ? ` of maxclients ${max}` : ""}, none refused since the last restart${blocked ? `, ${blocked} blocked in a blocking command` : ""}: the server accepts every connection`,
      data: { connected, maxClients: max, blocked },
    });
  return findings;
}

/** A master that was a replica keeps its old replication id as master_replid2, with a second offset: a failover
 * promoted it. */
const wasPromoted = (info: Map<string, string>) => (num(info, "second_repl_offset") ?? -1) >= 0;

const isReplica = (info: Map<string, string>, role: unknown[] | undefined) =>
  role ? role[0] === "slave" || role[0] === "replica" : info.get("role") === "slave";

/**
 * FLUSHDB/FLUSHALL calls, and a restart without persistence: both wipe every session at once. The flush counters are
 * server-wide and count since the start: a flush of another database index moves them too. A replica that restarts
 * without persistence loses nothing: it copies the master's keys again, and so does a replica since promoted.
 */
function wipes(
  info: Map<string, string>,
  config: Config,
  db: number,
  replica: boolean,
  facts: Record<string, FactValue>,
): Finding[] {
  const findings: Finding[] = [];
  const uptime = num(info, "uptime_in_seconds") ?? Infinity;
  // Where CONFIG is refused (managed services), the keys a snapshot gave back at the start (Redis 7) tell instead.
  const loaded = num(info, "rdb_last_load_keys_loaded");
  const persistent = info.get("aof_enabled") === "1" || (config.values["save"] ?? "") !== "" || (loaded ?? 0) > 0;
  const known = persistent || "save" in config.values || loaded !== undefined;
  const promoted = wasPromoted(info);
  const emptied = known && !persistent && !replica && !promoted;
  if (known && !replica) facts["store-lost-at-restart"] = emptied ? "yes" : "no";
  const restarted = emptied && uptime < 86_400;
  if (restarted)
    findings.push({
      id: "restarted-recently",
      summary: `the store restarted ${formatDuration(uptime)} ago with no persistence (no RDB saves, no AOF): every session it held before was lost`,
      data: { uptimeSeconds: uptime },
    });
  const { flushes, onDb } = flushCounts(info, db);
  const otherDatabases = [...info.keys()].filter((k) => /^db\d+$/.test(k) && k !== `db${db}`).length;
  const since = `since the last restart (${formatDuration(num(info, "uptime_in_seconds") ?? 0)} ago)`;
  if (flushes > 0)
    findings.push({
      id: "flushes-since-start",
      summary: `FLUSHDB/FLUSHALL ran ${flushes} times ${since}: ${
        onDb
          ? `${onDb === flushes ? "each" : `${onDb} of them`} emptied the sessions' database (FLUSHALL, or FLUSHDB where no client ever sent SELECT or SWAPDB), deleting every session`
          : `one on the sessions' database deletes every session, but the counter is server-wide and cannot say which database a FLUSHDB emptied (a client sent SELECT, of this database or another, or the counters were reset since), so these may have been another database's (${otherDatabases ? `${otherDatabases} other database(s) hold keys here` : "no other database holds keys now"})`
      }`,
      data: { flushes, onSessionsDb: onDb, perHour: perHour(flushes, info), otherDatabases },
    });
  else
    findings.push({
      id: "no-flushes",
      summary: `no FLUSHDB or FLUSHALL ${since}${restarted ? "; the counters start again at a restart" : ""}`,
      data: { restarted, uptimeSeconds: Number.isFinite(uptime) ? uptime : -1 },
    });
  return findings;
}

function replication(
  info: Map<string, string>,
  role: unknown[] | undefined,
  config: Config,
  facts: Record<string, FactValue>,
  where: string,
): Finding[] {
  const replica = isReplica(info, role);
  const findings: Finding[] = [];
  if (info.get("loading") === "1") {
    findings.push({
      id: "loading",
      summary: "the store is loading its dataset after a restart (LOADING): reads and writes fail until it finishes",
      anomaly: true,
    });
  }
  if (replica) {
    const master = `${info.get("master_host") ?? "?"}:${info.get("master_port") ?? "?"}`;
    const link = info.get("master_link_status") ?? "unknown";
    const down = num(info, "master_link_down_since_seconds");
    const readOnly = info.get("slave_read_only") !== "0" && info.get("replica_read_only") !== "0";
    const linkText =
      link === "up"
        ? `its link to master ${master} is up`
        : `its link to master ${master} is ${link}${down !== undefined && down >= 0 ? ` for ${formatDuration(down)}` : ""}`;
    findings.push({
      id: "store-is-replica",
      summary: `${where} is a replica and ${linkText}: ${readOnly ? "an app that writes its sessions here has them refused (READONLY)" : "sessions an app writes here are lost at the next resync"}. An app must reach the current master (Sentinel or cluster discovery).`,
      data: { role: "replica", masterLinkStatus: link, linkDownSeconds: down ?? -1, readOnly },
    });
    // Whether the app writes here is not known from the replica alone (the evidence table weighs it with what the
    // sign-ins showed): the person is still asked.
    facts["store-role"] = "replica";
    return findings;
  }
  // Clients holding the old master's address may still be writing to what is now a replica.
  const promoted = wasPromoted(info);
  facts["store-promoted"] = promoted ? "yes" : "no";
  if (promoted)
    findings.push({
      id: "promoted",
      summary: `${where} was promoted from a replica (a failover happened): clients that still hold the old master's address write to what is now a replica`,
      data: { secondReplOffset: num(info, "second_repl_offset") ?? 0 },
    });
  const replicas = [...info.entries()].filter(([k]) => /^slave\d+$/.test(k)).map(([, v]) => parseInfoList(v));
  const offset = num(info, "master_repl_offset") ?? 0;
  const lagging = replicas.filter((r) => Number(r.lag ?? 0) > 10 || r.state !== "online");
  const minReplicas = Number(config.values["min-replicas-to-write"] ?? 0);
  const details = replicas
    .map(
      (r) =>
        `${r.ip}:${r.port} ${r.state} lag ${r.lag ?? "?"} s, ${Math.max(0, offset - Number(r.offset ?? offset))} bytes behind`,
    )
    .join("; ");
  if (lagging.length > 0) {
    findings.push({
      id: "replica-lag",
      summary: `master with ${replicas.length} replica(s), ${lagging.length} lagging or not online (${details}): a failover now loses recent session writes`,
      data: { role: "master", replicas: replicas.length, lagging: lagging.length },
    });
  } else {
    const safety =
      minReplicas > 0
        ? `, min-replicas-to-write ${minReplicas}`
        : replicas.length > 0
          ? ", writes do not wait for replicas (min-replicas-to-write 0)"
          : "";
    findings.push({
      id: "replication",
      summary: replicas.length
        ? `master with ${replicas.length} replica(s) in sync (${details})${safety}`
        : "master with no replicas: a failure loses every session, but nothing is out of sync",
      data: { role: "master", replicas: replicas.length, minReplicasToWrite: minReplicas },
    });
  }
  facts["store-replica"] = "no";
  facts["store-role"] = "master";
  return findings;
}

function persistence(info: Map<string, string>): Finding[] {
  const broken = [
    info.get("rdb_last_bgsave_status") === "err" ? "the last RDB save failed" : "",
    info.get("aof_enabled") === "1" && info.get("aof_last_write_status") === "err" ? "the last AOF write failed" : "",
  ].filter(Boolean);
  if (broken.length === 0) return [];
  return [
    {
      id: "persistence",
      summary: `${broken.join(" and ")}: with stop-writes-on-bgsave-error the store refuses writes (MISCONF)`,
      anomaly: true,
    },
  ];
}

type Clock = { offsetMs: number; errorMs: number };

/** Redis TIME against the local clock, at the midpoint of the round trip: offset ± RTT/2. */
async function measureClock(redis: ReadOnlyRedis): Promise<Clock> {
  await redis.call("PING");
  const sent = Date.now();
  const [sec, usec] = (await redis.call("TIME")) as [string, string];
  const received = Date.now();
  const remote = Number(sec) * 1000 + Number(usec) / 1000;
  return { offsetMs: Math.round(remote - (sent + received) / 2), errorMs: Math.ceil((received - sent) / 2) };
}

function clockFinding({ offsetMs, errorMs }: Clock): Finding {
  const beyondErrorMs = Math.max(0, Math.abs(offsetMs) - errorMs);
  const text = `the store's clock is ${Math.abs(offsetMs)} ms ${offsetMs >= 0 ? "ahead of" : "behind"} this host's (± ${errorMs} ms)`;
  const far = beyondErrorMs > 60_000 ? ": far off; TTLs and expiry computed on different clocks disagree" : "";
  const over = !far && beyondErrorMs > 2_000 ? ": over the 2 s tolerance" : "";
  return { id: "clock", summary: `${text}${far}${over}`, data: { offsetMs, errorMs, beyondErrorMs } };
}

/** LATENCY LATEST (empty unless latency-monitor-threshold is set) and the slow log; arguments are never shown. */
async function latency(redis: ReadOnlyRedis): Promise<Finding[]> {
  const [events, slow] = await Promise.all([redis.try("LATENCY", "LATEST"), redis.try("SLOWLOG", "GET", 32)]);
  const parts: string[] = [];
  if (events.ok && Array.isArray(events.value) && events.value.length > 0) {
    const worst = (events.value as unknown[][]).map((e) => `${e[0]} ${e[3]} ms`).join(", ");
    parts.push(`latency spikes: ${worst}`);
  }
  if (slow.ok && Array.isArray(slow.value) && slow.value.length > 0) {
    const entries = slow.value as unknown[][];
    const maxMs = Math.max(...entries.map((e) => Number(e[2]) / 1000));
    const commands = [...new Set(entries.map((e) => String((e[3] as unknown[])[0]).toUpperCase()))]
      .slice(0, 5)
      .join(", ");
    parts.push(`${entries.length} slow-log entries (slowest ${Math.round(maxMs)} ms; ${commands})`);
  }
  if (parts.length === 0) return [];
  return [{ id: "latency", summary: parts.join("; ") }];
}
