import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { httpClockProbe, httpContinuityProbe, httpHealthProbe, httpNodesProbe } from "../../src/probes/http/index.js";
import { redisLookupProbe } from "../../src/probes/redis/index.js";
import { Handoff } from "../../src/probes/types.js";
import { finding, runProbe, weightFor } from "../helpers/probe-context.js";
import { startRedis, type RedisServer } from "../helpers/redis.js";
import { startApp, startHaproxy, type Running } from "../helpers/servers.js";
import { startApache } from "../../src/lab/balancers/apache.js";
import { startNginx } from "../../src/lab/balancers/nginx.js";

const running: Array<Pick<Running | RedisServer, "stop">> = [];
afterAll(async () => {
  await Promise.all(running.map((r) => r.stop()));
});

// Each test starts its own nodes and balancer, so the groups run side by side (but for the one that sets a
// variable in this process's environment).

/** App nodes behind a real HAProxy; nothing names the backend unless a test says so. */
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
    },
  };
}

async function redis() {
  const r = await startRedis();
  running.push(r);
  return r;
}

describe.concurrent("round robin, sessions in each node's memory", () => {
  it("loses sessions across backends and the nodes do not know each other's sessions: lb-affinity", async () => {
    const { targets } = await cluster([{}, {}]);
    const cont = await runProbe(httpContinuityProbe, targets, { params: { requests: 8 } });
    expect(cont.status).toBe("ok");
    const lost = finding(cont, "session-lost");
    expect(lost.summary).toMatch(/^4 of 8 requests to http:\/\/127\.0\.0\.1:\d+\/me with a valid session came back/);
    expect(lost.anomaly).toBe(true);
    expect(finding(cont, "no-affinity").summary).toBe(
      "no load-balancer affinity cookie; 8 requests were served by 2 backend(s)",
    );
    expect(cont.facts).toMatchObject({ "lb-sticky": "no", "session-continuity": "lost", stack: "express" });
    expect(weightFor(httpContinuityProbe, cont, "session-lost", "lb-affinity")).toBe(0.45);

    const handoff = new Handoff();
    const nodes = await runProbe(httpNodesProbe, targets, { handoff });
    expect(finding(nodes, "cross-node-unknown").summary).toMatch(
      /^2 of 2 node pairs did not recognise each other's sessions/,
    );
    expect(nodes.facts["cross-node"]).toBe("not-recognised");
    expect(handoff.get("node-sessions")!.map((s) => s.name)).toEqual(["connect.sid", "connect.sid"]);

    const store = await redis();
    const lookup = await runProbe(redisLookupProbe, { redis: store.url }, { handoff, facts: nodes.facts });
    expect(finding(lookup, "not-in-store").summary).toMatch(
      /^none of the 2 sessions created on the nodes is in the store .*: sessions stay in each node's memory$/,
    );
    const facts = { stack: "express", "cross-node": "not-recognised", "session-continuity": "lost" };
    expect(weightFor(redisLookupProbe, lookup, "not-in-store", "lb-affinity", facts)).toBe(0.85);
  });
});

/**
 * A balancer that pins users by their session cookie, the way a hash on it does, with the first user's luck made
 * certain: a request without the cookie goes round robin; the first session seen stays on the node that made it,
 * every later one is sent to the other node. Deterministic where nginx's `hash $cookie_… consistent` is a coin toss.
 */
async function luckyFirstBalancer(ports: [number, number], cookie: string) {
  const madeOn = new Map<string, number>();
  let first: string | undefined;
  let turn = 0;
  return scriptedBalancer(
    cookie,
    (id) => {
      first ??= id;
      const made = id === undefined ? undefined : madeOn.get(id);
      return ports[made === undefined ? turn++ % 2 : id === first ? made : 1 - made];
    },
    (id, port) => madeOn.set(id, ports.indexOf(port)),
  );
}

/**
 * A balancer of a test's own: `route` picks, from the session id a request carries, the port to pass it to, or none
 * for a backend that is down (502); `made` hears of each session an answer sets, and where it was made.
 */
async function scriptedBalancer(
  cookie: string,
  route: (id: string | undefined) => number | undefined,
  made: (id: string, port: number) => void,
) {
  const server = createServer((req, res) => {
    const port = route(new RegExp(`(?:^|; )${cookie}=([^;]+)`).exec(req.headers.cookie ?? "")?.[1]);
    if (port === undefined) {
      res.writeHead(502, { "content-type": "text/html" }).end("<html><body><h1>502 Bad Gateway</h1></body></html>");
      return;
    }
    const upstream = request({ port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      for (const set of [answer.headers["set-cookie"] ?? []].flat()) {
        const id = new RegExp(`^${cookie}=([^;]+)`).exec(set)?.[1];
        if (id) made(id, port);
      }
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe.concurrent("a balancer that pins each user by the session cookie, sessions in each node's memory", () => {
  it("a first user that kept its session does not clear it: the next users lost theirs", async () => {
    const nodes = await Promise.all([1, 2].map((i) => startApp({ NODE_NAME: `n${i}`, COOKIE_NAME: "sid" })));
    const lb = await luckyFirstBalancer([nodes[0]!.port, nodes[1]!.port], "sid");
    running.push(...nodes, lb);
    const targets = { url: lb.url, nodes: nodes.map((n) => n.url), sessionPath: "/login", checkPath: "/me" };
    const out = await runProbe(httpContinuityProbe, targets, { params: { requests: 6 } });
    const lost = finding(out, "session-lost");
    expect(lost.summary).toMatch(
      /^12 of 18 requests .* came back anonymous \(1 backend\), none of them from the backend that answered the sign-in; 6 of the 7 visitors followed lost theirs, the others kept it$/,
    );
    expect(lost.data).toMatchObject({ movedOffOrigin: true, backends: 1 });
    expect(out.facts["session-continuity"]).toBe("lost");
    // The cookie is called `sid`, but its signed value is express-session's.
    expect(out.facts.stack).toBe("express");
    expect(finding(out, "one-backend").data).toEqual({ nodes: 2 });
  });
});

/**
 * A balancer in front of one node whose other backend went down once one user had made `streak` requests in a row:
 * the sessions made since are sent to the dead backend (502), those made before stay on the node.
 */
async function backendDownAfter(port: number, cookie: string, streak: number) {
  const before = new Set<string>();
  let last: string | undefined;
  let run = 0;
  let down = false;
  return scriptedBalancer(
    cookie,
    (id) => {
      run = id !== undefined && id === last ? run + 1 : 1;
      last = id;
      down ||= run >= streak;
      return id === undefined || before.has(id) ? port : undefined;
    },
    (id) => {
      if (!down) before.add(id);
    },
  );
}

describe.concurrent("a backend that goes down while the first visitor is followed", () => {
  it("reports the further visitors' proxy errors, which the first visitor never saw", async () => {
    const node = await startApp({ NODE_NAME: "n1" });
    const lb = await backendDownAfter(node.port, "connect.sid", 4);
    running.push(node, lb);
    const targets = { url: lb.url, sessionPath: "/login", checkPath: "/me" };
    const out = await runProbe(httpContinuityProbe, targets, { params: { requests: 4 } });
    const errors = finding(out, "proxy-error");
    // The second visitor signed in before the fall and keeps its session; the five after it get the dead backend.
    expect(errors.summary).toMatch(/^10 of 16 requests to .* were answered by a proxy, not the app \(502\)$/);
    expect(errors.data).toMatchObject({ errors: 10, requests: 16, headerErrors: 0 });
    expect(errors.anomaly).toBe(true);
  });
});

describe.concurrent("which backend answered", () => {
  it("is told by elimination: a header that is stable per node and differs between them", async () => {
    const { targets } = await cluster([{}, {}]);
    const out = await runProbe(httpContinuityProbe, targets, { params: { requests: 6 } });
    expect(finding(out, "backend-header").summary).toBe("backends told apart by the x-backend header");
    expect(finding(out, "no-affinity").data).toEqual({ backends: 2 });
  });

  it("is never read from a header that echoes the request (PHP's built-in server echoes Host)", async () => {
    const { targets } = await cluster([
      { BACKEND_HEADER: "0", ECHO_HOST: "1" },
      { BACKEND_HEADER: "0", ECHO_HOST: "1" },
    ]);
    const out = await runProbe(httpContinuityProbe, targets, { params: { requests: 6 } });
    expect(out.findings.map((f) => f.id)).not.toContain("backend-header");
    // Nothing names the backend, so the requests were not counted as one backend either.
    expect(finding(out, "no-affinity").data).toEqual({ backends: 0 });
    expect(out.findings.map((f) => f.id)).not.toContain("one-backend");
  });
});

describe.concurrent("HAProxy cookie stickiness", () => {
  it("keeps every request on one backend: affinity holds, the session survives", async () => {
    const { targets } = await cluster([{}, {}], { sticky: true });
    const out = await runProbe(httpContinuityProbe, targets, { params: { requests: 8 } });
    expect(finding(out, "affinity-holds").summary).toBe(
      "the HAProxy (cookie insert) affinity cookie SRV kept every one of 8 requests on one backend",
    );
    expect(finding(out, "session-holds").summary).toMatch(
      /^all 20 answers .* with the session were signed in \(1 backend\), for each of the 7 visitors followed$/,
    );
    expect(out.facts).toMatchObject({ "lb-sticky": "yes", "affinity-holds": "yes", "session-continuity": "holds" });
    // The cookie's value names the backend: it is never shown.
    expect(JSON.stringify(out)).not.toMatch(/\bn[12]\b/);
  });
});

describe.concurrent("a cloud balancer's affinity cookie, re-issued with a new value on every answer (nginx)", () => {
  async function behindRotatingCookie(env: Record<string, string>, routes: boolean, backendHeader?: string) {
    const nodes = await Promise.all([1, 2].map((i) => startApp({ NODE_NAME: `n${i}`, ...env })));
    const lb = await startNginx(
      nodes.map((n, i) => ({ name: `n${i + 1}`, port: n.port })),
      { rotatingCookie: { name: "AWSALB", routes } },
    );
    running.push(...nodes, lb);
    const targets = {
      url: lb.url,
      nodes: nodes.map((n) => n.url),
      sessionPath: "/login",
      checkPath: "/me",
      backendHeader,
    };
    return runProbe(httpContinuityProbe, targets, { params: { requests: 8 } });
  }

  it("with nothing else naming the backend: the cookie is read as a token, not as users moving", async () => {
    const out = await behindRotatingCookie({ BACKEND_HEADER: "0" }, true);
    expect(finding(out, "affinity-reissued").summary).toBe(
      "the AWS load balancer affinity cookie AWSALB took a new value on every one of 8 answers, a token re-issued each time rather than a backend's name: it does not tell whether users stay on one backend (give --backend-header if the backends name themselves)",
    );
    expect(out.findings.map((f) => f.id)).not.toContain("affinity-breaks");
    expect(out.facts["affinity-holds"]).toBeUndefined();
    expect(out.facts["lb-sticky"]).toBeUndefined();
    expect(out.facts).toMatchObject({ "session-continuity": "holds" });
    expect(finding(out, "session-holds").data).toMatchObject({ backends: 0 });
  });

  it("with a header named that never comes (a CDN strips it): neither held nor broken", async () => {
    const out = await behindRotatingCookie({}, false, "X-Served-By");
    expect(finding(out, "affinity-reissued").summary).toMatch(
      /\(the x-served-by header came on none of the answers\)$/,
    );
    expect(out.facts["affinity-holds"]).toBeUndefined();
    expect(out.facts["lb-sticky"]).toBeUndefined();
  });

  it("with a header naming the backend: the header tells whether the balancer keeps users on one", async () => {
    const [sticky, ignored] = await Promise.all([behindRotatingCookie({}, true), behindRotatingCookie({}, false)]);
    expect(finding(sticky, "affinity-holds").summary).toMatch(
      /a token re-issued each time rather than a backend's name; the x-backend header shows 1 backend\(s\) over 8 requests$/,
    );
    expect(sticky.facts["affinity-holds"]).toBe("yes");
    // A balancer that never gets its cookie back (a CDN in front drops it) spreads the requests, and the sessions go.
    expect(finding(ignored, "affinity-breaks").data).toMatchObject({ backends: 2 });
    expect(ignored.facts).toMatchObject({ "affinity-holds": "no", "session-continuity": "lost" });
  });
});

describe.concurrent("round robin with connect-redis on a real Redis", () => {
  it("with no node given, the sessions obtained through the balancer are looked up: in the store, or not", async () => {
    const store = await redis();
    const env = { STORE: "redis", REDIS_URL: store.url, SECRET: "same", STORE_PREFIX: "acme:session:" };
    const shared = await cluster([env, env]);
    const memory = await cluster([{}, {}], { sticky: true });
    // One node left on the memory store, behind a sticky balancer: its users keep their sessions, out of the store.
    const split = await cluster([env, { SECRET: "same" }], { sticky: true });
    const lookUp = async ({ url, sessionPath, checkPath }: typeof shared.targets) => {
      const handoff = new Handoff();
      await runProbe(httpContinuityProbe, { url, sessionPath, checkPath }, { handoff, params: { requests: 2 } });
      return runProbe(redisLookupProbe, { redis: store.url }, { handoff });
    };
    const inStore = await lookUp(shared.targets);
    expect(finding(inStore, "balancer-session-in-store").summary).toMatch(
      /^all 7 sessions obtained through the balancer are in the store \(under "acme:session:"\)/,
    );
    expect(inStore.facts["sessions-in-store"]).toBe("yes");
    expect(weightFor(redisLookupProbe, inStore, "balancer-session-in-store", "per-process-store")).toBe(-0.6);
    const elsewhere = await lookUp(memory.targets);
    expect(finding(elsewhere, "balancer-session-not-found").data).toEqual({ sessions: 7, inStore: 0 });
    expect(elsewhere.facts).toEqual({});
    const some = finding(await lookUp(split.targets), "balancer-sessions-split");
    expect(some.anomaly).toBe(true);
    expect(some.data).toMatchObject({ sessions: 7 });
    expect((some.data as { inStore: number }).inStore).toBeGreaterThan(0);
    expect((some.data as { inStore: number }).inStore).toBeLessThan(7);
  });

  it("with one secret: sessions cross nodes, and they are in the store", async () => {
    const store = await redis();
    const { targets } = await cluster([
      { STORE: "redis", REDIS_URL: store.url, SECRET: "same" },
      { STORE: "redis", REDIS_URL: store.url, SECRET: "same" },
    ]);
    const cont = await runProbe(httpContinuityProbe, targets, { params: { requests: 6 } });
    expect(finding(cont, "session-holds").data).toMatchObject({ backends: 2, anonymous: 0 });
    expect(weightFor(httpContinuityProbe, cont, "session-holds", "key-mismatch")).toBe(-0.5);
    expect(finding(cont, "visitors-distinct").summary).toMatch(/^two independent visitors received different sessions/);
    const handoff = new Handoff();
    const nodes = await runProbe(httpNodesProbe, targets, { handoff });
    expect(nodes.facts["cross-node"]).toBe("recognised");
    // Nodes that share sessions lose none when a user moves: more so where sessions are known to live in the store.
    expect(weightFor(httpNodesProbe, nodes, "cross-node-ok", "ip-affinity")).toBe(-0.5);
    const shared = { architecture: "external-store" };
    expect(weightFor(httpNodesProbe, nodes, "cross-node-ok", "ip-affinity", shared)).toBe(-0.8);
    expect(weightFor(httpNodesProbe, nodes, "cross-node-ok", "lb-affinity", shared)).toBe(-0.8);
    const lookup = await runProbe(redisLookupProbe, { redis: store.url }, { handoff, facts: nodes.facts });
    expect(finding(lookup, "in-store").summary).toBe(
      "all 2 sessions created on the nodes are in the store: sessions are shared",
    );
  });

  it("with different secrets: the session is in the store but the other node cannot read it — key-mismatch", async () => {
    const store = await redis();
    const { targets } = await cluster([
      { STORE: "redis", REDIS_URL: store.url, SECRET: "alpha" },
      { STORE: "redis", REDIS_URL: store.url, SECRET: "beta" },
    ]);
    const handoff = new Handoff();
    const nodes = await runProbe(httpNodesProbe, targets, { handoff });
    expect(nodes.facts["cross-node"]).toBe("not-recognised");
    const lookup = await runProbe(redisLookupProbe, { redis: store.url }, { handoff, facts: nodes.facts });
    expect(finding(lookup, "in-store-but-unreadable").summary).toMatch(
      /^all 2 sessions created on the nodes are in the store, yet other nodes did not recognise them/,
    );
    expect(weightFor(redisLookupProbe, lookup, "in-store-but-unreadable", "key-mismatch")).toBe(0.85);
  });

  it("a custom cookie name and key prefix are found without being given", async () => {
    const store = await redis();
    const env = { STORE: "redis", REDIS_URL: store.url, SECRET: "same", COOKIE_NAME: "app_sess" };
    const { targets } = await cluster([env, env]);
    const cont = await runProbe(httpContinuityProbe, targets, { params: { requests: 4 } });
    expect(finding(cont, "session-cookie").data).toMatchObject({ name: "app_sess", how: "only-cookie" });
    expect(finding(cont, "session-holds").data).toMatchObject({ anonymous: 0 });
    const handoff = new Handoff();
    await runProbe(httpNodesProbe, targets, { handoff });
    const lookup = await runProbe(
      redisLookupProbe,
      { redis: store.url },
      { handoff, facts: { "cross-node": "recognised" } },
    );
    expect(finding(lookup, "in-store").data).toEqual({ sessions: 2, inStore: 2 });
  });
});

describe.concurrent("a check page that answers 200 either way", () => {
  it("with a per-request CSRF token, signed in and anonymous are still told apart", async () => {
    const store = await redis();
    const env = { STORE: "redis", REDIS_URL: store.url, SECRET: "same", CHECK_PAGE: "html" };
    const { targets } = await cluster([env, env]);
    const out = await runProbe(httpContinuityProbe, targets, { params: { requests: 6 } });
    expect(finding(out, "session-holds").data).toMatchObject({ requests: 18, anonymous: 0 });
    expect(out.findings.map((f) => f.id)).not.toContain("session-lost");
  });

  it("that looks the same signed in is said to be unusable, and nothing is taken from it", async () => {
    const { targets } = await cluster([{ CHECK_PAGE: "html-same" }, { CHECK_PAGE: "html-same" }]);
    const out = await runProbe(httpContinuityProbe, targets, { params: { requests: 4 } });
    expect(out.status).toBe("partial");
    expect(finding(out, "check-path-indistinct").summary).toMatch(
      /answered alike signed in and anonymous .*give a page that only a signed-in user sees, or --signed-in-text/,
    );
    expect(out.findings.map((f) => f.id)).not.toContain("session-lost");
    expect(out.facts["session-continuity"]).toBeUndefined();
  });

  it("is readable with --signed-in-text", async () => {
    const { targets } = await cluster([{ CHECK_PAGE: "html" }, { CHECK_PAGE: "html" }], { sticky: true });
    const out = await runProbe(
      httpContinuityProbe,
      { ...targets, signedInText: "Signed in as" },
      { params: { requests: 4 } },
    );
    expect(finding(out, "session-holds").data).toMatchObject({ anonymous: 0 });
  });
});

describe.concurrent("an app that issues a new session id on every request", () => {
  it("is seen rotating, and each node's replay uses the id as the browser holds it: no false key-mismatch", async () => {
    const store = await redis();
    const env = { STORE: "redis", REDIS_URL: store.url, SECRET: "same", ROTATE: "1" };
    const { targets } = await cluster([env, env]);
    const cont = await runProbe(httpContinuityProbe, targets, { params: { requests: 5 } });
    expect(finding(cont, "id-rotates").data).toMatchObject({ replaced: 5, requests: 5 });
    const nodes = await runProbe(httpNodesProbe, targets, { handoff: new Handoff() });
    expect(nodes.facts["cross-node"]).toBe("recognised");
  });
});

describe.concurrent("cookies browsers drop", () => {
  it("a Secure cookie issued over plain HTTP behind a proxy that claims HTTPS", async () => {
    const { targets } = await cluster([{ COOKIE_SECURE: "1", TRUST_PROXY: "1" }], { forwardedProto: "https" });
    const out = await runProbe(httpContinuityProbe, targets, { params: { requests: 3 } });
    const f = finding(out, "cookie-secure-over-http");
    expect(f.summary).toMatch(
      /^the session cookie connect\.sid from http:\/\/127\.0\.0\.1:\d+: Secure, but set over http:\/\//,
    );
    expect(weightFor(httpContinuityProbe, out, "cookie-secure-over-http", "cookie-attributes")).toBe(0.85);
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

describe.concurrent("node clocks", () => {
  it("a node hours off is clock-skew, with the consequence spelled out", async () => {
    const { targets } = await cluster([{}, {}], {}, [undefined, "-3h"]);
    const facts = { "store-clock-offset-ms": 0, "idle-timeout": "1800s" };
    const out = await runProbe(httpClockProbe, targets, { facts });
    const f = finding(out, "clock-skew");
    expect(f.summary).toMatch(/127\.0\.0\.1:\d+ is 3h behind 127\.0\.0\.1:\d+|is 3h behind the store/);
    expect(f.summary).toMatch(/cookies and expiry times it computes end that much early/);
    expect(weightFor(httpClockProbe, out, "clock-skew", "clock-skew")).toBe(0.85);
    // Three hours apart, for sessions that live 30 minutes.
    expect(out.facts).toMatchObject({ "clock-sync": "no", "clock-gap": "beyond-lifetime" });
  });

  it("agreeing clocks rule clock-skew out", async () => {
    const { targets } = await cluster([{}, {}]);
    const out = await runProbe(httpClockProbe, targets, { facts: { "idle-timeout": "30m" } });
    expect(finding(out, "clock").summary).toMatch(/^node clocks agree within 2 s/);
    expect(out.facts).toMatchObject({ "clock-sync": "yes", "clock-gap": "within-lifetime" });
  });
});

describe.concurrent("health checks", () => {
  it("a node failing every other check flaps; whether the balancer acts on single failures is asked", async () => {
    const { targets, nodes } = await cluster([{}, { HEALTH: "flap" }]);
    const out = await runProbe(httpHealthProbe, targets, { params: { checks: 6, intervalMs: 50 } });
    const f = finding(out, "node-flapping");
    expect(f.summary).toBe(
      `127.0.0.1:${nodes[1]!.port} failed 3 of 6 health checks 50 ms apart (✓✗✓✗✓✗, alternating): at most 1 in a row, which takes it out only of a balancer that acts on fewer (HAProxy's default is 3)`,
    );
    expect(weightFor(httpHealthProbe, out, "node-flapping", "node-flapping")).toBe(0.5);
    expect(out.facts["lb-health"]).toBeUndefined();
  });

  it("a node failing three checks in a row and passing again flaps wherever the balancer checks that path", async () => {
    const { targets, nodes } = await cluster([{}, { HEALTH: "burst" }]);
    const out = await runProbe(httpHealthProbe, targets, { params: { checks: 8, intervalMs: 50 } });
    const f = finding(out, "node-flapping");
    expect(f.summary).toMatch(new RegExp(`^127\\.0\\.0\\.1:${nodes[1]!.port} failed \\d of 8 .*3 failures in a row`));
    expect(f.data).toMatchObject({ longestFailRun: 3 });
    // A piece, not a proof: open-source nginx checks no path, and a balancer may check another one.
    expect(weightFor(httpHealthProbe, out, "node-flapping", "node-flapping")).toBe(0.6);
    expect(out.facts["lb-health"]).toBeUndefined();
  });

  it("a clean window too short to have seen flapping does not rule it out", async () => {
    const { targets } = await cluster([{}, {}]);
    const out = await runProbe(httpHealthProbe, targets, { params: { checks: 3, intervalMs: 50 } });
    expect(finding(out, "healthy").data).toEqual({ windowSeconds: 0.1 });
    expect(weightFor(httpHealthProbe, out, "healthy", "node-flapping")).toBe(-0.2);
    expect(out.facts["lb-health"]).toBeUndefined();
  });
});

describe.concurrent("route suffixes (Tomcat jvmRoute), judged by behaviour", () => {
  const routedBy = (pairs: Array<[string, string]>) =>
    pairs.map(([server, route]) => `use-server ${server} if { req.cook(JSESSIONID) -m end .${route} }`);

  it("two nodes sharing a route: the balancer sends both to one, and the other's users are always lost", async () => {
    const { targets } = await cluster([{ JVMROUTE: "app1" }, { JVMROUTE: "app1" }], {
      lines: routedBy([["n1", "app1"]]),
    });
    const out = await runProbe(httpNodesProbe, targets);
    expect(finding(out, "route-collision").summary).toMatch(/^nodes share the route "app1"/);
    expect(weightFor(httpNodesProbe, out, "route-collision", "jvm-route")).toBe(0.9);
    expect(out.facts["jvm-route"]).toBe("no");
  });

  it("unique routes the balancer knows by other names: not honoured, and only a person can say why", async () => {
    const swapped = routedBy([
      ["n2", "app1"],
      ["n1", "app2"],
    ]);
    const { targets } = await cluster([{ JVMROUTE: "app1" }, { JVMROUTE: "app2" }], { lines: swapped });
    const out = await runProbe(httpNodesProbe, targets);
    expect(finding(out, "routes-not-honoured").summary).toMatch(/each node puts its own route on session ids/);
    const facts = { "affinity-cookie": "no" };
    expect(weightFor(httpNodesProbe, out, "routes-not-honoured", "jvm-route", facts)).toBe(0.4);
    expect(weightFor(httpNodesProbe, out, "routes-not-honoured", "jvm-route", { ...facts, "lb-sticky": "yes" })).toBe(
      0.8,
    );
  });

  it("a route only one node's balancer member lacks is found though Apache evens out its requests", async () => {
    const nodes = await Promise.all(
      ["app1", "app2", "app03"].map((route, i) => startApp({ NODE_NAME: `n${i + 1}`, JVMROUTE: route })),
    );
    const backends = nodes.map((n, i) => ({ name: `n${i + 1}`, port: n.port, route: `app${i + 1}` }));
    // The third member's route is app3, its node's app03: Apache balances that node's sessions byrequests, and the
    // routed requests of the others leave that node behind, so tried last it alone would always get them back.
    const apache = await startApache(backends, { sticky: true });
    running.push(...nodes, apache);
    const targets = { url: apache.url, nodes: nodes.map((n) => n.url), sessionPath: "/login", checkPath: "/me" };
    const out = await runProbe(httpNodesProbe, targets);
    const f = finding(out, "routes-not-honoured");
    expect(f.summary).toMatch(/:\d+'s 100 %, 127\.0\.0\.1:\d+'s 100 %, 127\.0\.0\.1:\d+'s (?!100 )\d+ % recognised/);
    expect(out.facts["jvm-route"]).toBe("no");
  });

  it("unique routes the balancer honours are fine", async () => {
    const routed = routedBy([
      ["n1", "app1"],
      ["n2", "app2"],
    ]);
    const { targets } = await cluster([{ JVMROUTE: "app1" }, { JVMROUTE: "app2" }], { lines: routed });
    const out = await runProbe(httpNodesProbe, targets);
    expect(finding(out, "suffix-routing-ok").summary).toMatch(/^through the balancer every session reached a node/);
    expect(out.facts["jvm-route"]).toBe("yes");
  });

  it("ids without a suffix on nodes that share sessions: routes cannot lose anything", async () => {
    const store = await redis();
    const env = { STORE: "redis", REDIS_URL: store.url, SECRET: "same" };
    const { targets } = await cluster([env, env]);
    const out = await runProbe(httpNodesProbe, targets);
    expect(finding(out, "routes-irrelevant").data).toEqual({ routes: "none" });
    expect(weightFor(httpNodesProbe, out, "routes-irrelevant", "jvm-route")).toBe(-0.6);
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
    expect(finding(ok, "session-holds").summary).toMatch(/^all 15 answers .*, for each of the 7 visitors followed$/);
    delete process.env.SESSIONDOC_TEST_PROBE_PW;
    const refused = await runProbe(httpContinuityProbe, { ...withoutPath, login }, { params: { requests: 3 } });
    expect(finding(refused, "no-session").summary).toMatch(
      /^401 from http:\/\/127\.0\.0\.1:\d+\/login: signing in set no session cookie/,
    );
    // Refused credentials say nothing of whether the app can keep a session.
    expect(refused.facts["session-continuity"]).toBeUndefined();
  });
});

describe.concurrent("targets outside the allowlist", () => {
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
