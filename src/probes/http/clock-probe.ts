import type { FactValue } from "../../model/facts.js";
import type { Finding } from "../../model/findings.js";
import { durationOf, formatDuration } from "../../units.js";
import type { Probe } from "../types.js";
import { displayUrl, HttpProblem, type HttpResponse } from "./client.js";
import { plannedGet, times } from "./plan.js";
import { failedOutcome } from "./findings.js";
import { httpClient } from "./session.js";

const SAMPLES = 3;

type Offset = { node: string; offsetMs: number; errorMs: number };

/**
 * Each node's clock from its Date header, against the local clock at the midpoint of the request (Date has 1 s
 * resolution; cached answers are skipped), against each other and against the store's clock when known.
 */
export const httpClockProbe: Probe = {
  name: "http.clock",
  description: "Compares each node's Date header with the local clock, the other nodes and the store",
  needs: ["nodes"],
  facts: {
    "clock-sync": { description: "nodes agree within 2 s", values: ["yes", "no"] },
    "clock-gap": {
      description: "whether two nodes' clocks are further apart than the session cookie lives",
      values: ["within-lifetime", "beyond-lifetime"],
    },
  },
  findings: {
    "clock-skew": "node clocks (or a node and the store) disagree by more than 2 s",
    clock: "node clocks agree within 2 s",
    "no-date": "a node sent no usable Date header",
  },
  plan: ({ targets: t }) =>
    t.nodes.map((node) =>
      plannedGet(node, t.healthPath ?? t.checkPath ?? "/", times(SAMPLES), {
        followsRedirects: false,
        note: "its Date header against this host's clock",
      }),
    ),
  async run(ctx) {
    const t = ctx.targets;
    const client = httpClient(ctx);
    const target = t.nodes.map((n) => displayUrl(new URL(n))).join(", ");
    const path = t.healthPath ?? t.checkPath ?? "/";
    try {
      const offsets: Offset[] = [];
      const skipped: string[] = [];
      for (const node of t.nodes) {
        const samples: HttpResponse[] = [];
        for (let i = 0; i < SAMPLES; i++) {
          const res = await client.fetch(new URL(path, node), { followRedirects: false });
          if (res.headers.date && !(Number(res.headers.age ?? 0) > 0)) samples.push(res);
        }
        const best = samples.sort((a, b) => a.receivedAt - a.sentAt - (b.receivedAt - b.sentAt))[0];
        if (!best) {
          skipped.push(new URL(node).host);
          continue;
        }
        // The server's time lies in [Date, Date + 1 s): take the middle, and widen the error by half a second.
        const server = new Date(best.headers.date!).getTime() + 500;
        const local = (best.sentAt + best.receivedAt) / 2;
        offsets.push({
          node: new URL(node).host,
          offsetMs: Math.round(server - local),
          errorMs: Math.ceil((best.receivedAt - best.sentAt) / 2) + 500,
        });
      }
      const storeOffset =
        typeof ctx.facts["store-clock-offset-ms"] === "number"
          ? (ctx.facts["store-clock-offset-ms"] as number)
          : undefined;
      const facts: Record<string, FactValue> = {};
      const findings = clockFindings(offsets, storeOffset, facts);
      const lifetime = durationOf(ctx.facts["idle-timeout"]);
      // Nodes further apart than the session cookie lives refuse each other's timestamped payload cookies both ways
      // (expired on the node ahead, from the future on the one behind), which looks from outside like keys that
      // differ. Only the nodes' clocks count, and only where the lifetime is known.
      if (offsets.length >= 2 && lifetime !== undefined)
        facts["clock-gap"] = extremes(offsets).apartMs >= lifetime * 1000 ? "beyond-lifetime" : "within-lifetime";
      if (skipped.length)
        findings.push({
          id: "no-date",
          summary: `no usable Date header from ${skipped.join(", ")} (missing or cached)`,
        });
      return { status: offsets.length ? "ok" : "partial", target, findings, facts };
    } catch (err) {
      if (err instanceof HttpProblem) return failedOutcome(err, target);
      throw err;
    } finally {
      await client.close();
    }
  },
};

function describe(o: Offset): string {
  const s = Math.abs(o.offsetMs);
  const amount = s >= 60_000 ? formatDuration(s / 1000) : `${(s / 1000).toFixed(1)} s`;
  return `${o.node} ${o.offsetMs >= 0 ? "+" : "−"}${amount}`;
}

/** The clocks furthest behind and ahead, and how far apart they are beyond the measurement's error. */
function extremes(offsets: Offset[]): { lo: Offset; hi: Offset; apartMs: number } {
  const sorted = [...offsets].sort((a, b) => a.offsetMs - b.offsetMs);
  const lo = sorted[0]!;
  const hi = sorted[sorted.length - 1]!;
  return { lo, hi, apartMs: hi.offsetMs - lo.offsetMs - lo.errorMs - hi.errorMs };
}

function clockFindings(
  offsets: Offset[],
  storeOffset: number | undefined,
  facts: Record<string, FactValue>,
): Finding[] {
  if (offsets.length === 0) return [];
  const refs =
    storeOffset !== undefined ? [...offsets, { node: "the store", offsetMs: storeOffset, errorMs: 0 }] : offsets;
  const { lo, hi, apartMs: gap } = extremes(refs);
  const worst = offsets.reduce((w, o) => (Math.abs(o.offsetMs) - o.errorMs > Math.abs(w.offsetMs) - w.errorMs ? o : w));
  const list = offsets.map(describe).join(", ");
  const data = {
    gapMs: Math.max(0, Math.round(hi.offsetMs - lo.offsetMs)),
    worstOffsetMs: worst.offsetMs,
    nodes: offsets.length,
  };
  const beyondErrorMs = Math.round(Math.max(gap, Math.abs(worst.offsetMs) - worst.errorMs));
  if (gap > 2_000 || Math.abs(worst.offsetMs) - worst.errorMs > 60_000) {
    facts["clock-sync"] = "no";
    const behind = lo.node;
    return [
      {
        id: "clock-skew",
        summary: `clocks disagree: ${list} against this host${storeOffset !== undefined ? `, the store ${storeOffset >= 0 ? "+" : "−"}${(Math.abs(storeOffset) / 1000).toFixed(1)} s` : ""}. ${behind} is ${formatDuration((hi.offsetMs - lo.offsetMs) / 1000)} behind ${hi.node}: cookies and expiry times it computes end that much early (or at once, if the gap exceeds the session lifetime), and tokens from the others look not yet valid to it`,
        data: { ...data, beyondErrorMs },
      },
    ];
  }
  facts["clock-sync"] = "yes";
  return [
    {
      id: "clock",
      summary: `node clocks agree within 2 s (${list} against this host)`,
      data,
    },
  ];
}
