import type { ReadOnlyRedis } from "./read-only.js";

/** INFO text → field map (all sections flattened; later sections never reuse a field name). */
export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (!line || line.startsWith("#")) continue;
    const i = line.indexOf(":");
    if (i > 0) fields.set(line.slice(0, i), line.slice(i + 1));
  }
  return fields;
}

export function num(info: Map<string, string>, field: string): number | undefined {
  const v = info.get(field);
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/** `slave0:ip=…,port=…,state=online,offset=…,lag=…` → { ip, port, state, offset, lag } */
export function parseInfoList(value: string): Record<string, string> {
  return Object.fromEntries(value.split(",").map((kv) => kv.split("=") as [string, string]));
}

/** Counters that add up across the masters of a cluster (fields of INFO, or list items of a field: `field.key`). */
const SUMMED = [
  "evicted_keys",
  "rejected_connections",
  "connected_clients",
  "instantaneous_ops_per_sec",
  "total_commands_processed",
  "total_connections_received",
];
/** String commands by what they do to a session value; a lock is released by a script (compare and delete) or DEL. */
export const SESSION_COMMANDS = {
  reads: ["get", "getex", "mget"],
  writes: ["set", "setex", "psetex", "getset"],
  lockReleases: ["eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "del", "unlink"],
} as const;

const SUMMED_ITEMS: ReadonlyArray<readonly [string, string]> = [
  ["errorstat_OOM", "count"],
  ["cmdstat_flushdb", "calls"],
  ["cmdstat_flushall", "calls"],
  ...Object.values(SESSION_COMMANDS)
    .flat()
    .map((c) => [`cmdstat_${c}`, "calls"] as const),
];

/** How many times `command` ran since the start (INFO commandstats). */
export const commandCalls = (info: Map<string, string>, command: string) =>
  Number(parseInfoList(info.get(`cmdstat_${command}`) ?? "calls=0").calls ?? 0);

/**
 * The FLUSHDB/FLUSHALL calls counted, and how many of them certainly emptied database `db`: every FLUSHALL did; every
 * FLUSHDB did too where `db` is 0 and no client ever sent SELECT or SWAPDB, since every connection starts on database
 * 0. A SELECT may have been of database 0 (Laravel, Predis) or of another; the counter cannot say which, nor whose
 * database a FLUSHDB emptied then. Counters a CONFIG RESETSTAT cleared forget the SELECTs of connections still open
 * (a pool), so they prove nothing: Redis 7 counts the reset itself, and connections still open from before a reset
 * outnumber those received since.
 */
export function flushCounts(info: Map<string, string>, db: number): { flushes: number; onDb: number } {
  const flushall = commandCalls(info, "flushall");
  const flushdb = commandCalls(info, "flushdb");
  const reset =
    commandCalls(info, "config|resetstat") > 0 ||
    (num(info, "connected_clients") ?? 0) > (num(info, "total_connections_received") ?? Infinity);
  const onlyDbZero = db === 0 && !reset && commandCalls(info, "select") === 0 && commandCalls(info, "swapdb") === 0;
  return { flushes: flushall + flushdb, onDb: flushall + (onlyDbZero ? flushdb : 0) };
}

/** Fields of one server's last start, read together from the master that started last. */
const LAST_START = [
  "uptime_in_seconds",
  "uptime_in_days",
  "rdb_last_load_keys_loaded",
  "aof_enabled",
  "second_repl_offset",
];

/**
 * INFO and DBSIZE of the whole store: one server, or every master of a cluster with its counters added up, the
 * memory of the fullest master (the one that evicts first) and the start of the one that started last (a shard that
 * restarted).
 */
export async function readStore(keyspaces: ReadOnlyRedis[]): Promise<{ info: Map<string, string>; dbsize: number }> {
  const all = await Promise.all(
    keyspaces.map(async (k) => ({
      info: parseInfo(String(await k.call("INFO", "all"))),
      dbsize: Number(await k.call("DBSIZE")),
    })),
  );
  const ratio = (i: Map<string, string>) => (num(i, "used_memory") ?? 0) / Math.max(1, num(i, "maxmemory") ?? 0);
  const fullest = all.reduce((a, b) => (ratio(b.info) > ratio(a.info) ? b : a));
  const info = new Map(fullest.info);
  const uptime = (i: Map<string, string>) => num(i, "uptime_in_seconds") ?? Infinity;
  const youngest = all.reduce((a, b) => (uptime(b.info) < uptime(a.info) ? b : a));
  for (const field of LAST_START) {
    const value = youngest.info.get(field);
    if (value === undefined) info.delete(field);
    else info.set(field, value);
  }
  for (const field of SUMMED) info.set(field, String(all.reduce((s, x) => s + (num(x.info, field) ?? 0), 0)));
  for (const [field, key] of SUMMED_ITEMS) {
    const total = all.reduce((s, x) => s + Number(parseInfoList(x.info.get(field) ?? `${key}=0`)[key] ?? 0), 0);
    if (total) info.set(field, `${key}=${total}`);
  }
  return { info, dbsize: all.reduce((s, x) => s + x.dbsize, 0) };
}
