import type { Layout } from "./layouts.js";
import type { ReadOnlyRedis } from "./read-only.js";

/** Session keys found on one master of a cluster, and whether its whole keyspace was scanned for them. */
export type MasterSessions = {
  master: string;
  sessions: number;
  complete: boolean;
  hashTagged: number;
  /** Distinct hash tags among them (counted up to a few): one tag is one slot. */
  tags: number;
};

/** Distinct tags are counted up to this: past it they are many, and each an independent draw of a slot. */
const TAGS_COUNTED = 64;

/**
 * Counts the layout's session keys on each master with a few SCAN pages each, so that a large first master cannot
 * use up the budget before the others are looked at.
 */
export async function sessionsPerMaster(
  keyspaces: ReadOnlyRedis[],
  layout: Layout,
  opts: { calls: number; scanCount: number },
): Promise<MasterSessions[]> {
  return Promise.all(
    keyspaces.map(async (ks) => {
      const found: MasterSessions = { master: ks.label, sessions: 0, complete: false, hashTagged: 0, tags: 0 };
      const tags = new Set<string>();
      let cursor = "0";
      for (let i = 0; i < opts.calls; i++) {
        const [next, keys] = (await ks.call("SCAN", cursor, "MATCH", layout.match, "COUNT", opts.scanCount)) as [
          string,
          string[],
        ];
        const sessions = keys.filter((k) => layout.test.test(k));
        found.sessions += sessions.length;
        for (const key of sessions) {
          const tag = hashTagOf(key);
          if (tag === undefined) continue;
          found.hashTagged++;
          if (tags.size < TAGS_COUNTED) tags.add(tag);
        }
        found.tags = tags.size;
        cursor = next;
        if (cursor === "0") {
          found.complete = true;
          break;
        }
      }
      return found;
    }),
  );
}

/** A `{tag}` in a key sends every key with that tag to one slot (Redis Cluster hash tags): the first such tag. */
export function hashTagOf(key: string): string | undefined {
  return /\{([^}]+)\}/.exec(key)?.[1];
}

/** Below this many sessions, all of them on one master can be chance (3 masters: 3 · 3^-8, under 0.1 %). */
export const ONE_MASTER_MIN_SESSIONS = 8;

/**
 * How sessions sit on the masters of a cluster. A client that is not cluster-aware writes only the keys whose slot
 * the one node it knows serves; every other write is answered MOVED. A cluster-aware client spreads them by slot.
 */
export function spreadOf(
  masters: MasterSessions[],
): { kind: "one-master" | "one-slot"; on: string; sessions: number } | { kind: "spread"; on: number } | undefined {
  if (masters.length < 2) return undefined;
  const holding = masters.filter((m) => m.sessions > 0);
  if (holding.length >= 2) return { kind: "spread", on: holding.length };
  const [only] = holding;
  if (!only || !masters.every((m) => m === only || m.complete)) return undefined;
  // Each untagged key and each distinct tag falls on a slot of its own choosing: enough of them all on one master is
  // a client that writes to one node.
  const draws = only.sessions - only.hashTagged + only.tags;
  if (draws >= ONE_MASTER_MIN_SESSIONS) return { kind: "one-master", on: only.master, sessions: only.sessions };
  // A master keeps only keys of the slots it serves: sessions under one tag all on one master were written where the
  // cluster routes them, and the tag explains why they are not spread.
  if (only.tags === 1 && only.hashTagged === only.sessions && only.sessions >= ONE_MASTER_MIN_SESSIONS)
    return { kind: "one-slot", on: only.master, sessions: only.sessions };
  return undefined;
}
