import type { Logger } from "../log.js";
import type { ProbeRun } from "../model/findings.js";
import type { Targets } from "../model/targets.js";
import { Handoff, type ProbeRegistry, type StoreReading } from "../probes/types.js";
import { makeProbeRunner } from "./probe-runner.js";

/** What one round of the cheap probes saw: sessions through the balancer, and the store's counters. */
export type Round = {
  at: Date;
  continuity?: { requests: number; anonymous: number; backends: number };
  store?: { keys: number; evicted: number; rejected: number; flushes: number; uptime: number };
  /** Probes that could not look this round, and why. */
  problems: string[];
};

/** What is wrong in this round whatever the round before saw: sessions lost, probes that could not look. */
export function ongoing(cur: Round): string[] {
  const c = cur.continuity;
  return [
    ...(c && c.anonymous > 0 ? [`${c.anonymous} of ${c.requests} signed-in requests came back anonymous`] : []),
    ...cur.problems,
  ];
}

/** Whether an incident has cleared: nothing got worse since the round before, and nothing is still wrong. */
export function recovered(prev: Round | undefined, cur: Round): boolean {
  return regressions(prev, cur).length === 0 && ongoing(cur).length === 0;
}

/** What changed for the worse since the round before: each a short phrase, empty when nothing did. */
export function regressions(prev: Round | undefined, cur: Round): string[] {
  const out: string[] = [];
  const c = cur.continuity;
  if (c && c.anonymous > 0) out.push(`${c.anonymous} of ${c.requests} signed-in requests came back anonymous`);
  const [a, b] = [prev?.store, cur.store];
  if (a && b) {
    if (b.uptime < a.uptime) out.push("the store restarted");
    else {
      if (b.evicted > a.evicted) out.push(`${b.evicted - a.evicted} keys evicted`);
      if (b.rejected > a.rejected) out.push(`${b.rejected - a.rejected} connections refused at maxclients`);
      if (b.flushes > a.flushes) out.push("the store was flushed");
    }
    // Most sessions gone at once, more than expiry takes between two rounds.
    if (a.keys >= 20 && b.keys < a.keys / 2) out.push(`store keys fell from ${a.keys} to ${b.keys}`);
  }
  for (const p of cur.problems) if (!prev?.problems.includes(p)) out.push(p);
  return out;
}

/** One line for a round: continuity n/m with backends seen, store keys and changes since the round before. */
export function describeRound(n: number, prev: Round | undefined, cur: Round): string {
  const parts = [`${cur.at.toISOString().replace(/\.\d+Z$/, "Z")} round ${n}:`];
  const c = cur.continuity;
  if (c) parts.push(`continuity ${c.requests - c.anonymous}/${c.requests} over ${c.backends || "?"} backends;`);
  const s = cur.store;
  if (s) {
    const delta = (x: number, y: number | undefined) => (y === undefined ? "" : ` (${x - y >= 0 ? "+" : ""}${x - y})`);
    parts.push(
      `store ${s.keys} keys${delta(s.keys, prev?.store?.keys)}, evicted${delta(s.evicted, prev?.store?.evicted) || ` ${s.evicted}`}, refused${delta(s.rejected, prev?.store?.rejected) || ` ${s.rejected}`};`,
    );
  }
  for (const p of cur.problems) parts.push(`${p};`);
  return parts.join(" ").replace(/;$/, "");
}

/**
 * Runs the cheap probes once, each bounded like a diagnosis' probes: session continuity through the balancer when
 * the URL and paths are given, the store's counters when the store is.
 */
export async function watchRound(
  registry: ProbeRegistry,
  targets: Targets,
  log: Logger,
  timeoutMs?: number,
): Promise<Round> {
  const handoff = new Handoff();
  const run = makeProbeRunner({ registry, targets, log, handoff, ...(timeoutMs ? { timeoutMs } : {}) });
  const signal = new AbortController().signal;
  const [http, redis] = await Promise.all(
    // One visitor a round: further visitors (each a sign-in) are for a diagnosis, not for every round of a watch.
    ["http.continuity", "redis.info"].map((probe) =>
      run({ node: probe, probe, params: probe === "http.continuity" ? { visitors: 0 } : {} }, {}, signal),
    ),
  );
  const round: Round = { at: new Date(), problems: [] };
  for (const r of [http!, redis!]) if (r.status === "failed") round.problems.push(problemOf(r));
  const lost = http!.findings.find((f) => ["session-holds", "session-lost", "session-not-kept"].includes(f.id));
  if (lost?.data) {
    const d = lost.data as { requests: number; anonymous: number; backends: number };
    round.continuity = { requests: d.requests, anonymous: d.anonymous, backends: d.backends };
  } else if (http!.status !== "skipped" && http!.status !== "failed")
    round.problems.push(`${http!.probe}: ${http!.findings.at(-1)?.summary ?? "no continuity measured"}`);
  const reading = handoff.get("store-reading");
  if (reading) round.store = storeOf(reading);
  return round;
}

/** The counters a round compares, from the INFO fields the store reading carries (`cmdstat_*` as `calls=N,…`). */
function storeOf(r: StoreReading): NonNullable<Round["store"]> {
  const field = (name: string) => Number(r.info.get(name) ?? 0) || 0;
  const calls = (name: string) => Number(/(?:^|,)calls=(\d+)/.exec(r.info.get(name) ?? "")?.[1] ?? 0);
  return {
    keys: r.dbsize,
    evicted: field("evicted_keys"),
    rejected: field("rejected_connections"),
    flushes: calls("cmdstat_flushdb") + calls("cmdstat_flushall"),
    uptime: field("uptime_in_seconds"),
  };
}

function problemOf(r: ProbeRun): string {
  return `${r.probe} failed: ${r.error ?? r.findings[0]?.summary ?? "no reason given"}`;
}
