import type { FactValue } from "../../flows/schema.js";
import type { Finding, Probe } from "../types.js";
import { displayUrl, HttpProblem } from "./client.js";
import { httpClient } from "./session.js";

const DEFAULT_CHECKS = 10;
const DEFAULT_INTERVAL_MS = 150;

/** Polls each node's health check N times at a short interval, as a load balancer does, and reads the pattern. */
export const httpHealthProbe: Probe = {
  name: "http.health",
  description: "Polls each node's health check and reports failure rate and pattern",
  needs: ["nodes", "health-path"],
  facts: { "lb-health": { description: "some backend flaps", values: ["yes", "no"] } },
  async run(ctx) {
    const t = ctx.targets;
    const client = httpClient(ctx);
    const checks = Number(ctx.params.checks ?? DEFAULT_CHECKS);
    const interval = Number(ctx.params.intervalMs ?? DEFAULT_INTERVAL_MS);
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
      return { status: "ok", target, findings: healthFindings(patterns, interval, facts), facts };
    } catch (err) {
      return {
        status: "failed",
        target,
        findings: [{ id: "refused", summary: (err as Error).message, effects: [] }],
        facts: {},
      };
    } finally {
      await client.close();
    }
  },
};

function healthFindings(
  patterns: Map<string, boolean[]>,
  interval: number,
  facts: Record<string, FactValue>,
): Finding[] {
  const findings: Finding[] = [];
  let flapping = 0;
  let down = 0;
  for (const [node, results] of patterns) {
    const failed = results.filter((ok) => !ok).length;
    const shape = results.map((ok) => (ok ? "✓" : "✗")).join("");
    const data = { checks: results.length, failed, failureRate: Math.round((failed / results.length) * 100) / 100 };
    if (failed === 0) continue;
    if (failed === results.length) {
      down++;
      findings.push({
        id: "node-down",
        summary: `${node} failed all ${results.length} health checks: it is down (the balancer moves its users elsewhere)`,
        data,
        effects: [{ cause: "node-flapping", weight: 0.3 }],
      });
      continue;
    }
    flapping++;
    const alternating = results.every((ok, i) => i === 0 || ok !== results[i - 1]);
    findings.push({
      id: "node-flapping",
      summary: `${node} failed ${failed} of ${results.length} health checks ${interval} ms apart (${shape}${alternating ? ", alternating" : ""}): the balancer takes it in and out, moving its users between backends`,
      data,
      effects: [{ cause: "node-flapping", weight: 0.75 }],
    });
  }
  if (flapping === 0 && down === 0) {
    findings.push({
      id: "healthy",
      summary: `every node passed all ${[...patterns.values()][0]?.length ?? 0} health checks`,
      effects: [{ cause: "node-flapping", weight: -0.6 }],
    });
    facts["lb-health"] = "no";
  } else if (flapping) facts["lb-health"] = "yes";
  return findings;
}
