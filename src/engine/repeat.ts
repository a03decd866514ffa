import { seenOnce, type Finding, type ProbeOutcome, type Rounds } from "../model/findings.js";

/** `--repeat`: each probe runs this many rounds, a round starting `intervalMs` after the one before. */
export type Repeat = { rounds: number; intervalMs: number };

/** One round of a probe: what it observed, or why it could not. */
export type RoundResult = { outcome: ProbeOutcome } | { error: string };

/**
 * The rounds of one probe as one outcome. Every finding seen in any round is kept once, with the data of the first
 * round that saw it and the count of rounds that did: an intermittent fault seen in 2 of 5 rounds counts as seen.
 * `of` counts the rounds in which the probe looked; rounds that failed are said in a finding of their own. Facts
 * are those the rounds agree on; where they differ, those of the rounds that saw a fault that came and went (seen in
 * two rounds or more, not in all), so that the flow routes as the weighed evidence says; failing that, the commonest.
 */
export function mergeRounds(
  rounds: readonly RoundResult[],
  pointsToCause: (f: Finding) => boolean = () => false,
): { outcome: ProbeOutcome; error?: string } {
  const looked = rounds.flatMap((r) => ("outcome" in r && r.outcome.status !== "failed" ? [r.outcome] : []));
  const errors = rounds.flatMap((r) => ("error" in r ? [r.error] : []));
  const last = rounds.at(-1)!;
  if (rounds.length === 1 || !looked.length)
    return "outcome" in last ? { outcome: last.outcome } : { outcome: failed(), error: last.error };
  const seen = new Map<string, { finding: Finding; count: number }>();
  for (const outcome of looked)
    for (const f of outcome.findings) {
      const entry = seen.get(f.id);
      if (entry) entry.count++;
      else seen.set(f.id, { finding: f, count: 1 });
    }
  const findings = [...seen.values()].map(({ finding, count }) =>
    withRounds(finding, { seen: count, of: looked.length }),
  );
  const notLooked = rounds.length - looked.length;
  if (notLooked)
    findings.push({
      id: "rounds-failed",
      summary: `could not look in ${notLooked} of ${rounds.length} rounds${errors[0] ? `: ${errors[0]}` : ""}`,
    });
  return {
    outcome: {
      status: notLooked || looked.some((o) => o.status === "partial") ? "partial" : looked[0]!.status,
      target: looked[0]!.target,
      findings,
      facts: mergedFacts(
        looked,
        looked.filter((o) =>
          o.findings.some((f) => pointsToCause(f) && comesAndGoes(seen.get(f.id)!.count, looked.length)),
        ),
      ),
    },
  };
}

const comesAndGoes = (seen: number, of: number) => seen >= 2 && seen < of;

function mergedFacts(looked: readonly ProbeOutcome[], faultRounds: readonly ProbeOutcome[]): ProbeOutcome["facts"] {
  const facts: ProbeOutcome["facts"] = {};
  for (const key of new Set(looked.flatMap((o) => Object.keys(o.facts)))) {
    const fault = faultRounds.find((o) => key in o.facts);
    if (fault) {
      facts[key] = fault.facts[key]!;
      continue;
    }
    const tally = new Map<string, { value: ProbeOutcome["facts"][string]; n: number }>();
    for (const o of looked) {
      if (!(key in o.facts)) continue;
      const value = o.facts[key]!;
      const entry = tally.get(JSON.stringify(value)) ?? { value, n: 0 };
      entry.n++;
      tally.set(JSON.stringify(value), entry);
    }
    facts[key] = [...tally.values()].reduce((a, b) => (b.n > a.n ? b : a)).value;
  }
  return facts;
}

function withRounds(f: Finding, rounds: Rounds): Finding {
  if (rounds.of < 2) return f;
  return { ...f, summary: `${f.summary} (${rounds.seen} of ${rounds.of} rounds)`, rounds };
}

function failed(): ProbeOutcome {
  return { status: "failed", target: "-", findings: [], facts: {} };
}

/**
 * The findings of a probe run that become a diagnosis' evidence, as its rounds allow: a finding of one round alone
 * that could point to a cause is an anomaly (it is not weighed: see `seenOnce`); and when a finding that points to a
 * cause was seen in two rounds or more but not in all, what the other rounds saw instead does not rule causes out —
 * the fault comes and goes, and the rounds without it are not evidence that it is absent.
 */
export function forWeighing(findings: readonly Finding[], pointsToCause: (f: Finding) => boolean): Finding[] {
  const partial = (f: Finding) => f.rounds !== undefined && f.rounds.seen < f.rounds.of;
  const comesAndGoes = findings.some((f) => partial(f) && !seenOnce(f.rounds) && pointsToCause(f));
  return findings.flatMap((f) => {
    if (comesAndGoes && partial(f) && !pointsToCause(f)) return [];
    return seenOnce(f.rounds) && pointsToCause(f) ? [{ ...f, anomaly: true }] : [f];
  });
}
