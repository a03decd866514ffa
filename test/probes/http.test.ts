import { afterAll, describe, expect, it } from "vitest";
import { NODE_SESSIONS, type NodeSession } from "../../src/probes/types.js";
import { httpClockProbe, httpContinuityProbe, httpHealthProbe, httpNodesProbe } from "../../src/probes/http/index.js";
import { redisLookupProbe } from "../../src/probes/redis/index.js";
import { finding, runProbe, weightFor } from "../helpers/probe-context.js";
import { startRedis, type RedisServer } from "../helpers/redis.js";
import { startApp, startHaproxy, type Running } from "../helpers/servers.js";

const running: Array<Running | RedisServer> = [];
afterAll(async () => {
  await Promise.all(running.map((r) => r.stop()));
});

/** Two app nodes behind a real HAProxy. */
async function cluster(
  env: Array<Record<string, string>>,
  lb: Parameters<typeof startHaproxy>[1] = {},
  clockOffsets: Array<string | undefined> = [],
) {
  const nodes = await Promise.all(
    env.map((e, i) => startApp({ NODE_NAME: `n${i + 1}`, ...e }, { clockOffset: clockOffsets[i] })),
  );
  const haproxy = await startHaproxy(
    nodes.map((n, i) => ({ port: n.port, name: `n${i + 1}` })),
    lb,
  );
  running.push(...nodes, haproxy);
  return {
    nodes,
    haproxy,
    targets: {
      url: haproxy.url,
      nodes: nodes.map((n) => n.url),
      sessionPath: "/login",
      checkPath: "/me",
      healthPath: "/health",
      backendHeader: "X-Backend",
    },
  };
}

async function redis() {
  const r = await startRedis();
  running.push(r);
  return r;
}

describe("round robin, sessions in each node's memory", () => {
  it("loses sessions across backends and the nodes do not know each other's sessions: lb-affinity", async () => {
    const { targets } = await cluster([{}, {}]);
    const cont = await runProbe(httpContinuityProbe, targets, { params: { requests: 8 } });
    expect(cont.status).toBe("ok");
    expect(finding(cont, "session-lost").summary).toMatch(
      /^4 of 8 requests to http:\/\/127\.0\.0\.1:\d+\/me with a valid session came back anonymous/,
    );
    expect(finding(cont, "no-affinity").summary).toMatch(
      /^no load-balancer affinity cookie; 8 requests were served by 2 backend\(s\): n[12], n[12]$/,
    );
    expect(cont.facts["lb-sticky"]).toBe("no");
    expect(weightFor(cont, "session-lost", "lb-affinity")).toBe(0.65);
    expect(cont.facts).toMatchObject({ "session-continuity": "lost", stack: "express", "cookie-sent": "yes" });

    const handoff = new Map<string, unknown>();
    const nodes = await runProbe(httpNodesProbe, targets, { handoff });
    expect(finding(nodes, "cross-node-unknown").summary).toMatch(
      /^2 of 2 node pairs did not recognise each other's sessions/,
    );
    expect(nodes.facts["cross-node"]).toBe("not-recognised");
    expect((handoff.get(NODE_SESSIONS) as NodeSession[]).map((s) => s.name)).toEqual(["connect.sid", "connect.sid"]);

    const store = await redis();
    const lookup = await runProbe(redisLookupProbe, { redis: store.url }, { handoff, facts: nodes.facts });
    expect(finding(lookup, "not-in-store").summary).toMatch(
      /^0 of 2 sessions created on the nodes are in the store, and other nodes did not recognise them/,
    );
    expect(weightFor(lookup, "not-in-store", "lb-affinity")).toBe(0.8);
  });
});

describe("backends without an affinity cookie or a configured header", () => {
  it("are told apart by elimination: a header that is stable per node and differs between them", async () => {
    const { targets, nodes } = await cluster([{}, {}]);
    const { backendHeader: _, ...unconfigured } = targets;
    const out = await runProbe(httpContinuityProbe, unconfigured, { params: { requests: 6 } });
    expect(finding(out, "backend-header").summary).toBe(
      "backends told apart by the x-backend header, which differs between the nodes",
    );
    const hosts = nodes.map((n) => `127.0.0.1:${n.port}`);
    expect(finding(out, "no-affinity").summary).toMatch(
      new RegExp(`served by 2 backend\\(s\\): (${hosts[0]}, ${hosts[1]}|${hosts[1]}, ${hosts[0]})`),
    );
  });
});

describe("HAProxy cookie stickiness", () => {
  it("keeps every request on one backend: affinity holds, the session survives", async () => {
    const { targets } = await cluster([{}, {}], { sticky: true });
    const out = await runProbe(httpContinuityProbe, targets, { params: { requests: 8 } });
    expect(finding(out, "affinity-holds").summary).toMatch(
      /^HAProxy \(cookie insert\) affinity cookie SRV kept every one of 8 requests on backend SRV#[0-9a-f]{6}$/,
    );
    expect(finding(out, "session-holds").summary).toMatch(
      /^all 8 requests .* were answered as signed in \(backends: n[12]\)$/,
    );
    expect(out.facts).toMatchObject({ "lb-sticky": "yes", "affinity-holds": "yes", "session-continuity": "holds" });
  });
});

describe("round robin with connect-redis on a real Redis", () => {
  it("with one secret: sessions cross nodes, and they are in the store", async () => {
    const store = await redis();
    const { targets } = await cluster([
      { STORE: "redis", REDIS_URL: store.url, SECRET: "same" },
      { STORE: "redis", REDIS_URL: store.url, SECRET: "same" },
    ]);
    const cont = await runProbe(httpContinuityProbe, targets, { params: { requests: 6 } });
    expect(finding(cont, "session-holds").summary).toMatch(/\(backends: n1, n2\)|\(backends: n2, n1\)/);
    expect(weightFor(cont, "session-holds", "key-mismatch")).toBe(-0.5);
    const handoff = new Map<string, unknown>();
    const nodes = await runProbe(httpNodesProbe, targets, { handoff });
    expect(nodes.facts["cross-node"]).toBe("recognised");
    const lookup = await runProbe(redisLookupProbe, { redis: store.url }, { handoff, facts: nodes.facts });
    expect(finding(lookup, "in-store").summary).toBe(
      "2 of 2 sessions created on the nodes are in the store: sessions are shared",
    );
  });

  it("with different secrets: the session is in the store but the other node cannot read it — key-mismatch", async () => {
    const store = await redis();
    const { targets } = await cluster([
      { STORE: "redis", REDIS_URL: store.url, SECRET: "alpha" },
      { STORE: "redis", REDIS_URL: store.url, SECRET: "beta" },
    ]);
    const handoff = new Map<string, unknown>();
    const nodes = await runProbe(httpNodesProbe, targets, { handoff });
    expect(nodes.facts["cross-node"]).toBe("not-recognised");
    const lookup = await runProbe(redisLookupProbe, { redis: store.url }, { handoff, facts: nodes.facts });
    const f = finding(lookup, "in-store-but-unreadable");
    expect(f.summary).toMatch(
      /^2 of 2 sessions .* are in the store, yet other nodes did not recognise them: .* keys differ$/,
    );
    expect(weightFor(lookup, "in-store-but-unreadable", "key-mismatch")).toBe(0.8);
  });
});

describe("cookies browsers drop", () => {
  it("a Secure cookie issued over plain HTTP behind a proxy that claims HTTPS", async () => {
    const { targets } = await cluster([{ COOKIE_SECURE: "1", TRUST_PROXY: "1" }], { forwardedProto: "https" });
    const out = await runProbe(httpContinuityProbe, targets, { params: { requests: 3 } });
    const f = finding(out, "cookie-secure-over-http");
    expect(f.summary).toMatch(
      /^the session cookie connect\.sid from http:\/\/127\.0\.0\.1:\d+: Secure, but set over http:\/\//,
    );
    expect(weightFor(out, "cookie-secure-over-http", "cookie-attributes")).toBe(0.85);
    expect(out.facts["cookie-sent"]).toBe("no");
    expect(finding(out, "no-session").summary).toMatch(/browsers would not keep the session cookie connect\.sid/);
  });

  it("SameSite=None without Secure", async () => {
    const { targets } = await cluster([{ SAMESITE: "none" }]);
    const out = await runProbe(httpContinuityProbe, targets, { params: { requests: 2 } });
    expect(finding(out, "cookie-samesite-none-without-secure").summary).toMatch(
      /SameSite=None without Secure: browsers reject it/,
    );
    expect(out.facts["cookie-sent"]).toBe("no");
  });

  it("a Domain for another host", async () => {
    const { targets } = await cluster([{ COOKIE_DOMAIN: "shop.example.com" }]);
    const out = await runProbe(httpContinuityProbe, targets, { params: { requests: 2 } });
    expect(finding(out, "cookie-domain-mismatch").summary).toMatch(
      /Domain=shop\.example\.com does not domain-match 127\.0\.0\.1/,
    );
  });
});

describe("node clocks", () => {
  it("a node hours off is clock-skew, with the consequence spelled out", async () => {
    const { targets } = await cluster([{}, {}], {}, [undefined, "-3h"]);
    const out = await runProbe(httpClockProbe, targets, { facts: { "store-clock-offset-ms": 0 } });
    const f = finding(out, "clock-skew");
    expect(f.summary).toMatch(/127\.0\.0\.1:\d+ is 3h behind 127\.0\.0\.1:\d+|is 3h behind the store/);
    expect(f.summary).toMatch(/cookies and expiry times it computes end that much early/);
    expect(weightFor(out, "clock-skew", "clock-skew")).toBe(0.85);
    expect(out.facts["clock-sync"]).toBe("no");
  });

  it("agreeing clocks rule clock-skew out", async () => {
    const { targets } = await cluster([{}, {}]);
    const out = await runProbe(httpClockProbe, targets);
    expect(finding(out, "clock").summary).toMatch(/^node clocks agree within 2 s/);
    expect(out.facts["clock-sync"]).toBe("yes");
  });
});

describe("health checks", () => {
  it("a node failing every other check flaps; the healthy one does not", async () => {
    const { targets, nodes } = await cluster([{}, { HEALTH: "flap" }]);
    const out = await runProbe(httpHealthProbe, targets, { params: { checks: 6, intervalMs: 50 } });
    const f = finding(out, "node-flapping");
    expect(f.summary).toBe(
      `127.0.0.1:${nodes[1]!.port} failed 3 of 6 health checks 50 ms apart (✓✗✓✗✓✗, alternating): the balancer takes it in and out, moving its users between backends`,
    );
    expect(weightFor(out, "node-flapping", "node-flapping")).toBe(0.75);
    expect(out.facts["lb-health"]).toBe("yes");
  });
});

describe("Tomcat jvmRoute", () => {
  it("two nodes with the same route, or none, cannot be routed back", async () => {
    const { targets } = await cluster([{ JVMROUTE: "app1" }, { JVMROUTE: "app1" }, { JVMROUTE: "" }]);
    const out = await runProbe(httpNodesProbe, targets);
    const f = finding(out, "jvm-route");
    expect(f.summary).toMatch(/share jvmRoute "app1"; 127\.0\.0\.1:\d+ add no route suffix to JSESSIONID/);
    expect(out.facts["jvm-route"]).toBe("no");
  });

  it("a balancer whose routes do not match the nodes' jvmRoute sends sessions to the wrong node", async () => {
    const swapped = [
      "use-server n2 if { req.cook(JSESSIONID) -m end .app1 }",
      "use-server n1 if { req.cook(JSESSIONID) -m end .app2 }",
    ];
    const { targets } = await cluster([{ JVMROUTE: "app1" }, { JVMROUTE: "app2" }], { lines: swapped });
    const out = await runProbe(httpNodesProbe, targets);
    expect(finding(out, "jvm-route").summary).toMatch(
      /the balancer's routes do not match the nodes' jvmRoute: a session with route "app1" from n1 was sent to n2/,
    );
    expect(weightFor(out, "jvm-route", "jvm-route")).toBe(0.8);
  });

  it("unique routes the balancer honours are fine", async () => {
    const routed = [
      "use-server n1 if { req.cook(JSESSIONID) -m end .app1 }",
      "use-server n2 if { req.cook(JSESSIONID) -m end .app2 }",
    ];
    const { targets } = await cluster([{ JVMROUTE: "app1" }, { JVMROUTE: "app2" }], { lines: routed });
    const out = await runProbe(httpNodesProbe, targets);
    expect(finding(out, "jvm-route").summary).toMatch(/^each node has its own jvmRoute/);
    expect(out.facts["jvm-route"]).toBe("yes");
  });
});

describe("a configured login", () => {
  it("posts credentials read from the environment, and follows the redirect with the new session", async () => {
    const { targets } = await cluster([{ LOGIN_PASSWORD: "pw-from-env" }], { sticky: true });
    process.env.SESSIONDOC_TEST_PROBE_PW = "pw-from-env";
    const { sessionPath: _, ...withoutPath } = targets;
    const login = {
      method: "POST" as const,
      path: "/login",
      form: { user: "probe", password: "${SESSIONDOC_TEST_PROBE_PW}" },
    };
    const ok = await runProbe(httpContinuityProbe, { ...withoutPath, login }, { params: { requests: 3 } });
    expect(finding(ok, "session-holds").summary).toMatch(/^all 3 requests/);
    delete process.env.SESSIONDOC_TEST_PROBE_PW;
    const refused = await runProbe(httpContinuityProbe, { ...withoutPath, login }, { params: { requests: 3 } });
    expect(finding(refused, "no-session").summary).toMatch(
      /^401 from http:\/\/127\.0\.0\.1:\d+\/login: no session cookie was set \(other cookies: SRV\)$/,
    );
  });
});

describe("targets outside the allowlist", () => {
  it("are refused before any request", async () => {
    const out = await runProbe(httpContinuityProbe, {
      url: "http://169.254.169.254/",
      sessionPath: "/login",
      checkPath: "/me",
      allowlist: ["app.example.com"],
    });
    expect(out.status).toBe("failed");
    expect(out.findings[0]!.summary).toMatch(/169\.254\.169\.254, a link-local address/);
  });
});
