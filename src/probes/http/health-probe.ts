import type { FactValue } from "../../model/facts.js";
import type { Finding } from "../../model/findings.js";
import type { Probe } from "../types.js";
import { displayUrl, HttpProblem } from "./client.js";
import { plannedGet, times } from "./plan.js";
import { httpClient } from "./session.js";

// Ten seconds of checks: flapping that shows within a minute is seen with fair odds, and a clean window this long
// counts as having looked (the evidence table weighs it by data.windowSeconds).
const DEFAULT_CHECKS = 20;
const DEFAULT_INTERVAL_MS = 500;
const HEALTHY_WINDOW_SECONDS = 5;

/** Polls each node's health check N times at a short interval, as a load balancer does, and reads the pattern. */
export const httpHealthProbe: Probe = {
  name: "http.health",
  description: "Polls each node's health check and reports failure rate and pattern",
  needs: ["nodes", "health-path"],
  facts: { "lb-health": { description: "backends stay up", values: ["no"] } },
  findings: {
    "node-flapping": "a node failed some health checks and passed others",
    "node-down": "a node failed every health check",
    healthy: "every node passed every health check over the window",
    refused: "a health check could not be sent",
  },
  plan({ targets: t, params }) {
    const { interval, checks } = schedule(params);
    return t.nodes.map((node) =>
      plannedGet(node, t.healthPath!, times(checks), { followsRedirects: false, note: `${interval} ms apart` }),
    );
  },
  async run(ctx) {
    const t = ctx.targets;
    const client = httpClient(ctx);
    const { interval, checks } = schedule(ctx.params);
    const target = t.nodes.map((n) => displayUrl(new URL(t.healthPath!, n))).join(", ");
    try {
      const patterns = new Map<string, boolean[]>(t.nodes.map((n) => [new URL(n).host, []]));
      for (let i = 0; i < checks; i++) {
        await Promise.all(
          t.nodes.map(async (node) => {
            let ok: boolean;
            try {
              const res = await client.fetch(new URL(t.healthPath!, node), { followRedirects: false });
              ok = res.status >= 200 && res.status < 400;
            } catch (err) {
              if (!(err instanceof HttpProblem) || err.kind === "refused") throw err;
              ok = false;
            }
            patterns.get(new URL(node).host)!.push(ok);
          }),
        );
        if (i < checks - 1) await new Promise((r) => setTimeout(r, interval));
      }
      const facts: Record<string, FactValue> = {};
      const windowSeconds = Math.round(((checks - 1) * interval) / 100) / 10;
      return { status: "ok", target, findings: healthFindings(patterns, interval, windowSeconds, facts), facts };
    } catch (err) {
      return {
        status: "failed",
        target,
        findings: [{ id: "refused", summary: (err as Error).message }],
        facts: {},
      };
    } finally {
      await client.close();
    }
  },
};

/** Failed checks in a row that the common balancers' active checks take a node out after, by default. */
const SURELY_OUT_RUN = 3;

function healthFindings(
  patterns: Map<string, boolean[]>,
  interval: number,
  windowSeconds: number,
  facts: Record<string, FactValue>,
): Finding[] {
  const findings: Finding[] = [];
  let flapping = 0;
  let down = 0;
  for (const [node, results] of patterns) {
    const failed = results.filter((ok) => !ok).length;
    const shape = results.map((ok) => (ok ? "✓" : "✗")).join("");
    const transitions = results.filter((ok, i) => i > 0 && ok !== results[i - 1]).length;
    const longestFailRun = results.reduce(
      (acc, ok) => (ok ? { run: 0, max: acc.max } : { run: acc.run + 1, max: Math.max(acc.max, acc.run + 1) }),
      { run: 0, max: 0 },
    ).max;
    const data = {
      checks: results.length,
      failed,
      transitions,
      longestFailRun,
      windowSeconds,
      failureRate: Math.round((failed / results.length) * 100) / 100,
    };
    if (failed === 0) continue;
    if (failed === results.length) {
      down++;
      findings.push({
        id: "node-down",
        summary: `${node} failed all ${results.length} health checks: it is down (the balancer moves its users elsewhere)`,
        data,
        anomaly: true,
      });
      continue;
    }
    flapping++;
    // Balancers that check the path take a node out after 1 (Apache's hcfails) to 3 (HAProxy's fall, Kubernetes)
    // failed checks in a row: a shorter run moves users only where the balancer acts at once. Whether the balancer
    // checks this path at all (open-source nginx checks none) its status page tells, not the node.
    const takenOut = longestFailRun >= SURELY_OUT_RUN;
    const alternating = results.every((ok, i) => i === 0 || ok !== results[i - 1]);
    findings.push({
      id: "node-flapping",
      summary: `${node} failed ${failed} of ${results.length} health checks ${interval} ms apart (${shape}${alternating ? ", alternating" : ""}): ${takenOut ? `${longestFailRun} failures in a row take it out of the pool of any balancer that checks this path (HAProxy's default fall, Kubernetes' failureThreshold), and back in, moving its users between backends` : `at most ${longestFailRun} in a row, which takes it out only of a balancer that acts on fewer (HAProxy's default is 3)`}`,
      data,
    });
  }
  if (flapping === 0 && down === 0) {
    findings.push({
      id: "healthy",
      summary: `every node passed all ${[...patterns.values()][0]?.length ?? 0} health checks over ${windowSeconds} s`,
      data: { windowSeconds },
    });
    // Only a window long enough to have seen flapping may answer "backends stay up".
    if (windowSeconds >= HEALTHY_WINDOW_SECONDS) facts["lb-health"] = "no";
  }
  return findings;
}

/** How many health checks of each node, how far apart: a window in seconds, or a count. */
function schedule(params: Record<string, unknown>): { interval: number; checks: number } {
  const interval = Number(params.intervalMs ?? DEFAULT_INTERVAL_MS);
  const checks =
    typeof params.windowSeconds === "number"
      ? Math.max(2, Math.round((params.windowSeconds * 1000) / interval) + 1)
      : Number(params.checks ?? DEFAULT_CHECKS);
  return { interval, checks };
}
