import type { FactValue } from "../../model/facts.js";
import type { Finding } from "../../model/findings.js";
import type { Probe } from "../types.js";
import { commandCalls, readStore, SESSION_COMMANDS } from "./info.js";
import { redisPlan, SESSIONS_NOT_IN_REDIS, withRedis } from "./run.js";

/** Fewer session reads than this over the diagnosis say nothing about a mix. */
const MIN_READS = 8;
/** Writes with no read at all: more than one sign-in's worth. */
const NEVER_READ_WRITES = 2;
const REWRITE_RATIO = 0.8;
const ON_CHANGE_RATIO = 0.5;
/** A request under a lock releases it once, and may read the lock key besides the session (phpredis checks it). */
const LOCKED_RATIO = 0.5;

export type CommandMix = { reads: number; writes: number; lockReleases: number };

/** The commands sent between two INFO readings (commandstats), by kind. */
export function commandMix(before: Map<string, string>, after: Map<string, string>): CommandMix {
  const delta = (list: readonly string[]) =>
    list.reduce((sum, c) => sum + Math.max(0, commandCalls(after, c) - commandCalls(before, c)), 0);
  return {
    reads: delta(SESSION_COMMANDS.reads),
    writes: delta(SESSION_COMMANDS.writes),
    lockReleases: delta(SESSION_COMMANDS.lockReleases),
  };
}

/**
 * What the mix says: a lock around each request (a release, by script or DEL, per read); else a session written back
 * whole on about every read (express-session `resave: true`, PHP rewriting a session that changed), or only on change.
 * `newKeys` is how many more keys the store holds than at the start.
 */
export function writeFindings(mix: CommandMix, busy: boolean, newKeys: number): Finding[] {
  const { reads, writes, lockReleases } = mix;
  const where = busy ? " (other clients were busy on the store: the mix is theirs too)" : "";
  // Sessions made, by the diagnosis' own sign-ins among others, and not one read: no request ever came back with a
  // session cookie. Whoever writes a session reads it on the next request that presents it. New keys, not writes
  // alone: a job that rewrites its own keys and reads none is no session at all.
  if (reads === 0 && writes >= NEVER_READ_WRITES && newKeys >= NEVER_READ_WRITES)
    return [
      {
        id: "written-never-read",
        summary: `${writes} SET/SETEX, ${newKeys} new keys and not one GET of a string value during the diagnosis${where}: sessions are made and never read back, so no request came back with a session cookie (the app withheld it, a proxy stripped it, or browsers dropped it)`,
        data: { ...mix, newKeys, busy },
      },
    ];
  if (reads < MIN_READS)
    return [
      {
        id: "too-few-reads",
        summary: `${reads} reads of string values during the diagnosis: too few to tell how sessions are written${where}`,
        data: { ...mix },
      },
    ];
  const locked = lockReleases / reads >= LOCKED_RATIO;
  const ratio = Math.round((writes / reads) * 100) / 100;
  const data = { ...mix, ratio, locked, busy };
  const counts = `${reads} GET and ${writes} SET/SETEX${lockReleases ? `, ${lockReleases} scripts or DEL` : ""} during the diagnosis`;
  // Taking the lock is a SET … NX, counted with the writes: under a lock the ratio says nothing more.
  if (locked)
    return [
      {
        id: "locked-sessions",
        summary: `${counts}: a lock is taken and released around every read (or other scripts run per request), so overlapping requests of one session wait for each other instead of overwriting each other${where}`,
        data,
      },
    ];
  if (ratio >= REWRITE_RATIO)
    return [
      {
        id: "rewrites-per-read",
        summary: `${counts}: the session is written back whole about once per read (${ratio} writes per read) with no lock taken, so of two overlapping requests the one that ends last overwrites the other's changes${where}`,
        data,
      },
    ];
  if (ratio <= ON_CHANGE_RATIO)
    return [
      {
        id: "writes-on-change",
        summary: `${counts}: sessions are written only when they change (${ratio} writes per read), so a request that only reads never puts an old session back${where}`,
        data,
      },
    ];
  return [
    {
      id: "writes-mixed",
      summary: `${counts}: ${ratio} writes per read, between writing on change and rewriting every time${where}`,
      data,
    },
  ];
}

/** Busier than this (commands a second from other clients at the start) and the mix is not the diagnosis' alone. */
const QUIET_OPS_PER_SECOND = 50;

/**
 * The store's command mix over the diagnosis (INFO commandstats, against the reading redis.info took before the HTTP
 * probes): how often the session is written back for each time it is read, and whether a lock brackets each request.
 * Counters only; nothing is written and no value is read.
 */
export const redisWritesProbe: Probe = {
  name: "redis.writes",
  description: "Compares the store's command counters before and after the HTTP probes: session writes per read, locks",
  needs: ["redis"],
  irrelevantWhen: SESSIONS_NOT_IN_REDIS,
  facts: {
    "session-locking": { description: "the store takes a lock around each request", values: ["yes", "no"] },
    "sessions-read-back": {
      description: "on a quiet store, sessions written during the diagnosis were read back at least once",
      values: ["no"],
    },
  },
  findings: {
    "rewrites-per-read": "the store wrote a value back about once per read, with no lock",
    "locked-sessions": "a lock was taken and released around every read",
    "writes-on-change": "the store wrote values far less often than it read them",
    "writes-mixed": "between writing on change and rewriting every time",
    "too-few-reads": "too few reads during the diagnosis to judge",
    "written-never-read": "sessions were written during the diagnosis and not one was read back",
    "no-reading": "no counters from the start of the diagnosis to compare with",
    unreachable: "the store could not be reached",
    error: "the store failed mid-probe",
  },
  uses: ["store-reading"],
  plan: (ctx) =>
    redisPlan(ctx, [
      { command: "INFO all", times: "once per master", note: "command counters, against redis.info's reading" },
      { command: "DBSIZE", times: "once per master" },
    ]),
  run: (ctx) =>
    withRedis(ctx, async (conn) => {
      const before = ctx.handoff.get("store-reading");
      const target = conn.target.display;
      if (!before)
        return {
          status: "partial",
          target,
          findings: [{ id: "no-reading", summary: "redis.info took no reading at the start to compare with" }],
          facts: {},
        };
      const now = await readStore(conn.keyspaces);
      const findings = writeFindings(
        commandMix(before.info, now.info),
        before.opsPerSecond > QUIET_OPS_PER_SECOND,
        now.dbsize - before.dbsize,
      );
      const locked = findings[0]?.data?.locked;
      const facts: Record<string, FactValue> = {};
      if (typeof locked === "boolean") facts["session-locking"] = locked ? "yes" : "no";
      if (findings[0]?.id === "written-never-read" && findings[0].data?.busy === false)
        facts["sessions-read-back"] = "no";
      return { status: "ok", target, findings, facts };
    }),
};
