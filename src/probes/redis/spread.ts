import type { Layout } from "./layouts.js";
import type { ReadOnlyRedis } from "./read-only.js";

/** Session keys found on one master of a cluster, and whether its whole keyspace was scanned for them. */
export type MasterSessions = { master: string; sessions: number; complete: boolean; hashTagged: number };

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
      const found: MasterSessions = { master: ks.label, sessions: 0, complete: false, hashTagged: 0 };
      let cursor = "0";
      for (let i = 0; i < opts.calls; i++) {
        const [next, keys] = (await ks.call("SCAN", cursor, "MATCH", layout.match, "COUNT", opts.scanCount)) as [
          string,
          string[],
        ];
        const sessions = keys.filter((k) => layout.test.test(k));
        found.sessions += sessions.length;
        found.hashTagged += sessions.filter(hasHashTag).length;
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

/** A `{tag}` in a key sends every key with that tag to one slot (Redis Cluster hash tags). */
export function hasHashTag(key: string): boolean {
  return /\{[^}]+\}/.test(key);
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
  if (only.sessions >= ONE_MASTER_MIN_SESSIONS && only.hashTagged === 0)
    return { kind: "one-master", on: only.master, sessions: only.sessions };
  // A master keeps only keys of the slots it serves: tagged sessions all on one master were written where the
  // cluster routes them, and the tag explains why they are not spread.
  if (only.hashTagged === only.sessions) return { kind: "one-slot", on: only.master, sessions: only.sessions };
  return undefined;
}
