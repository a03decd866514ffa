import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApache } from "../../src/lab/balancers/apache.js";
import { scratchDir, type Running } from "../../src/lab/processes.js";
import { LabClient } from "../../src/lab/proof.js";
import { startTomcat, tomcatStack } from "../../src/lab/stacks/tomcat.js";
import type { AppNode } from "../../src/lab/stacks/types.js";

// Two real Tomcat nodes (jvmRoutes t1 and t2) replicating with DeltaManager, behind two real Apache balancers:
// one sticky on routes t1/t2, one whose routes (w1/w2) are not the nodes' jvmRoutes.
let nodes: AppNode[] = [];
let sticky: Running;
let mismatched: Running;
const sharedDir = scratchDir("tomcat-test");

beforeAll(async () => {
  nodes = await Promise.all(
    [0, 1].map((index) =>
      startTomcat(
        { index, name: `n${index + 1}`, env: { JVM_ROUTE: `t${index + 1}`, REPLICATION: "delta" } },
        { sharedDir },
      ),
    ),
  );
  const backends = nodes.map((n) => ({ name: n.name, port: n.port, route: n.route }));
  sticky = await startApache(backends, { sticky: true });
  mismatched = await startApache(backends, {
    sticky: true,
    lines: ["BalancerMember n1 route=w1", "BalancerMember n2 route=w2"],
  });
}, 120_000);

afterAll(async () => {
  await Promise.all([...nodes, sticky, mismatched].filter(Boolean).map((p) => p.stop()));
  rmSync(sharedDir, { recursive: true, force: true });
});

const { paths } = tomcatStack;

async function signedIn(base: string): Promise<LabClient> {
  const client = new LabClient();
  const res = await client.signIn(base, paths);
  expect(paths.signedIn(res.status, res.body), res.body).toBe(true);
  return client;
}

async function check(client: LabClient, base: string): Promise<boolean> {
  const res = await client.request(new URL(paths.check, base).href);
  return paths.signedIn(res.status, res.body);
}

/** How many times each node's access log shows the check page. */
function checksServed(): number[] {
  return nodes.map(
    (n) =>
      readFileSync(join(n.dir!, "logs", "localhost_access_log.txt"), "utf8")
        .split("\n")
        .filter((l) => l.includes(`"GET ${paths.check} `)).length,
  );
}

/** Which node served each of `count` checks since `before`: Tomcat writes the access log after it has answered. */
async function servedSince(before: number[], count: number): Promise<number[]> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const served = checksServed().map((n, i) => n - before[i]!);
    if (served.reduce((a, b) => a + b, 0) >= count || Date.now() > deadline) return served;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("the Tomcat stack and the Apache balancer", () => {
  it("suffixes a node's JSESSIONID with its jvmRoute", async () => {
    for (const [i, node] of nodes.entries()) {
      const client = await signedIn(node.url);
      expect(client.cookies.get("JSESSIONID")).toMatch(new RegExp(`^[0-9A-F]{32}\\.t${i + 1}$`));
      expect(node.route).toBe(`t${i + 1}`);
    }
  });

  it("replicates a session to the other node, which takes it over under its own route", async () => {
    const client = await signedIn(nodes[0]!.url);
    const id = client.cookies.get("JSESSIONID")!;
    expect(await check(client, nodes[1]!.url)).toBe(true);
    expect(client.cookies.get("JSESSIONID")).toBe(id.replace(/\.t1$/, ".t2"));
  });

  it("routes every request through a sticky Apache to the node its JSESSIONID suffix names", async () => {
    const client = await signedIn(sticky.url);
    const route = client.cookies.get("JSESSIONID")!.split(".")[1];
    const before = checksServed();
    for (let i = 0; i < 6; i++) expect(await check(client, sticky.url)).toBe(true);
    const [named, other] = route === "t1" ? [0, 1] : [1, 0];
    const served = await servedSince(before, 6);
    // At least six: the sign-in's own redirect to the check page may be logged late.
    expect(served[named]).toBeGreaterThanOrEqual(6);
    expect(served[other]).toBe(0);
  });

  it("balances every request when the members' routes are not the jvmRoutes", async () => {
    const client = await signedIn(mismatched.url);
    const before = checksServed();
    for (let i = 0; i < 6; i++) await check(client, mismatched.url);
    const served = await servedSince(before, 6);
    expect(
      served.every((n) => n > 0),
      `served ${served.join(" / ")}`,
    ).toBe(true);
  });

  it("keeps Tomcat's own log as the node's log", () => {
    const log = readFileSync(nodes[0]!.logFile!, "utf8");
    expect(log).toMatch(/SimpleTcpCluster.memberAdded Replication member added/);
    expect(log).toMatch(/Server startup in \[\d[\d,]*\] milliseconds/);
  });
});
