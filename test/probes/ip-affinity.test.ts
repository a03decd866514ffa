import { afterAll, describe, expect, it } from "vitest";
import { httpContinuityProbe, httpNodesProbe } from "../../src/probes/http/index.js";
import { finding, runProbe, weightFor } from "../helpers/probe-context.js";
import { startApp, startHaproxy, type Running } from "../helpers/servers.js";

const running: Running[] = [];
afterAll(async () => {
  await Promise.all(running.map((r) => r.stop()));
});

/** Two Express nodes with sessions in their own memory behind a real HAProxy; X-Backend names the node. */
async function cluster(lines: string[]) {
  const nodes = await Promise.all([startApp({ NODE_NAME: "n1" }), startApp({ NODE_NAME: "n2" })]);
  const haproxy = await startHaproxy(
    nodes.map((n, i) => ({ port: n.port, name: `n${i + 1}` })),
    { lines },
  );
  running.push(...nodes, haproxy);
  return { url: haproxy.url, nodes: nodes.map((n) => n.url), sessionPath: "/login", checkPath: "/me" };
}

describe.concurrent("affinity by client address, seen from one machine", () => {
  it("HAProxy balance source: no cookie, one backend, node-local sessions — ip-affinity suspected, never settled", async () => {
    const targets = await cluster(["balance source"]);
    const cont = await runProbe(httpContinuityProbe, targets, { params: { requests: 6 } });
    expect(finding(cont, "one-backend").summary).toMatch(/^with no affinity cookie, all 6 requests reached the same/);
    expect(cont.facts["session-continuity"]).toBe("holds");
    const nodes = await runProbe(httpNodesProbe, targets);
    // Every replay of one node's session reached the same node: nothing this client sends moved it.
    expect(finding(nodes, "no-route-lost").data).toMatchObject({ spread: false });
    const facts = { ...cont.facts, ...nodes.facts };
    expect(weightFor(httpContinuityProbe, cont, "one-backend", "ip-affinity", facts)).toBe(0.3);
    expect(weightFor(httpNodesProbe, nodes, "no-route-lost", "ip-affinity", facts)).toBeUndefined();
  });

  it("round robin: one client's requests reach both nodes — ip-affinity examined and ruled out", async () => {
    const targets = await cluster([]);
    const cont = await runProbe(httpContinuityProbe, targets, { params: { requests: 6 } });
    expect(finding(cont, "no-affinity").data).toEqual({ backends: 2 });
    expect(weightFor(httpContinuityProbe, cont, "no-affinity", "ip-affinity")).toBe(-0.6);
    const nodes = await runProbe(httpNodesProbe, targets);
    expect(finding(nodes, "no-route-lost").data).toMatchObject({ spread: true });
    expect(weightFor(httpNodesProbe, nodes, "no-route-lost", "ip-affinity")).toBe(-0.5);
  });
});
