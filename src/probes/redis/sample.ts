import { layoutOf, type Layout } from "./layouts.js";
import type { Command, ReadOnlyRedis } from "./read-only.js";

/** Bounds on how much of the keyspace a probe looks at, whatever its size. */
export type SampleLimits = {
  /** Session keys examined at most (TYPE, PTTL, MEMORY USAGE, OBJECT IDLETIME each). */
  maxKeys: number;
  /** SCAN calls at most, across all keyspaces; SCAN is O(1) per call, never KEYS. */
  maxScanCalls: number;
  /** The COUNT hint of each SCAN. */
  scanCount: number;
  /** Wall-clock budget for the whole sample. */
  budgetMs: number;
  /** SCAN calls without MATCH used to recognise the layout when no prefix is configured. */
  discoveryCalls: number;
};

export const DEFAULT_LIMITS: SampleLimits = {
  maxKeys: 500,
  maxScanCalls: 100,
  scanCount: 1000,
  budgetMs: 3000,
  discoveryCalls: 3,
};

export type Discovery = { scanned: number; scanCalls: number; byLayout: Map<Layout, number>; other: number };

/** Looks at the first few SCAN pages of each keyspace and counts keys by recognised session layout. */
export async function discoverLayouts(keyspaces: ReadOnlyRedis[], limits: SampleLimits): Promise<Discovery> {
  const result: Discovery = { scanned: 0, scanCalls: 0, byLayout: new Map(), other: 0 };
  for (const ks of keyspaces) {
    let cursor = "0";
    for (let i = 0; i < limits.discoveryCalls; i++) {
      const [next, keys] = (await ks.call("SCAN", cursor, "COUNT", limits.scanCount)) as [string, string[]];
      result.scanCalls++;
      for (const key of keys) {
        result.scanned++;
        const layout = layoutOf(key);
        if (layout) result.byLayout.set(layout, (result.byLayout.get(layout) ?? 0) + 1);
        else result.other++;
      }
      cursor = next;
      if (cursor === "0") break;
    }
  }
  return result;
}

export type SessionSample = {
  examined: number;
  scanCalls: number;
  /** True when SCAN went through the whole keyspace: the sample is every session. */
  complete: boolean;
  /** Why sampling stopped early, if it did. */
  stoppedBy?: "key cap" | "scan cap" | "time budget";
  types: Record<string, number>;
  /** Remaining TTL in seconds of keys that have one. */
  ttls: number[];
  withoutTtl: number;
  /** Bytes, from MEMORY USAGE (absent where MEMORY is not allowed). */
  sizes: number[];
  /** Seconds since last access (absent under LFU policies or where OBJECT is not allowed). */
  idle: number[];
  /** Remaining TTL plus idle time per key: about the TTL the store gave it when last written. */
  lifetimes: number[];
  /** Commands that were refused by the server (NOPERM, renamed away). */
  unavailable: string[];
};

/** SCANs the layout's keys on every keyspace, examining each key's type, TTL, size and idle time in pipelines. */
export async function sampleSessions(
  keyspaces: ReadOnlyRedis[],
  layout: Layout,
  limits: SampleLimits,
): Promise<SessionSample> {
  const deadline = Date.now() + limits.budgetMs;
  const sample: SessionSample = {
    examined: 0,
    scanCalls: 0,
    complete: true,
    types: {},
    ttls: [],
    withoutTtl: 0,
    sizes: [],
    idle: [],
    lifetimes: [],
    unavailable: [],
  };
  const seen = new Set<string>();
  const unavailable = new Set<string>();

  for (const ks of keyspaces) {
    let cursor = "0";
    do {
      if (sample.examined >= limits.maxKeys) sample.stoppedBy = "key cap";
      else if (sample.scanCalls >= limits.maxScanCalls) sample.stoppedBy = "scan cap";
      else if (Date.now() > deadline) sample.stoppedBy = "time budget";
      if (sample.stoppedBy) {
        sample.complete = false;
        break;
      }
      const [next, keys] = (await ks.call("SCAN", cursor, "MATCH", layout.match, "COUNT", limits.scanCount)) as [
        string,
        string[],
      ];
      sample.scanCalls++;
      cursor = next;
      // SCAN may return a key twice; MATCH is a glob, the layout's test is exact.
      const fresh = keys.filter((k) => layout.test.test(k) && !seen.has(k)).slice(0, limits.maxKeys - sample.examined);
      fresh.forEach((k) => seen.add(k));
      await examine(ks, fresh, sample, unavailable);
    } while (cursor !== "0");
  }
  sample.unavailable = [...unavailable];
  return sample;
}

async function examine(
  ks: ReadOnlyRedis,
  keys: string[],
  sample: SessionSample,
  unavailable: Set<string>,
): Promise<void> {
  if (keys.length === 0) return;
  const commands: Command[] = keys.flatMap((k): Command[] => [
    ["TYPE", k],
    ["PTTL", k],
    ["MEMORY", "USAGE", k],
    ["OBJECT", "IDLETIME", k],
  ]);
  const replies = await ks.batch(commands);
  keys.forEach((_, i) => {
    const [type, pttl, size, idle] = replies.slice(i * 4, i * 4 + 4);
    if (type?.ok && type.value === "none") return; // expired between SCAN and now
    sample.examined++;
    if (type?.ok) sample.types[String(type.value)] = (sample.types[String(type.value)] ?? 0) + 1;
    const ttl = pttl?.ok && Number(pttl.value) >= 0 ? Number(pttl.value) / 1000 : undefined;
    if (pttl?.ok && Number(pttl.value) === -1) sample.withoutTtl++;
    if (ttl !== undefined) sample.ttls.push(ttl);
    if (size?.ok && size.value !== null) sample.sizes.push(Number(size.value));
    else if (size && !size.ok) unavailable.add("MEMORY USAGE");
    if (idle?.ok) {
      sample.idle.push(Number(idle.value));
      // Idle time is whole seconds elapsed (rounded down), so round the remaining TTL up to match.
      if (ttl !== undefined) sample.lifetimes.push(Math.ceil(ttl) + Number(idle.value));
    } else if (idle && !idle.ok) unavailable.add("OBJECT IDLETIME");
  });
}

export function percentile(values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
