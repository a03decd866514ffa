import type { FactValue } from "../../model/facts.js";
import type { Finding } from "../../model/findings.js";
import type { Targets } from "../../model/targets.js";
import type { NodeSession, Probe } from "../types.js";
import { displayUrl, type HttpClient } from "./client.js";
import { plannedGet, plannedSignIn } from "./plan.js";
import { failedOutcome } from "./findings.js";
import { stackOfCookie } from "./names.js";
import {
  baselineOf,
  carriesSession,
  cookieHeaderWithout,
  droppedSessionCookie,
  httpClient,
  inferSessionCookie,
  newJar,
  obtainSession,
  proxyError,
  readAnswer,
  routeSuffix,
  type Baseline,
} from "./session.js";

/** Requests through the balancer per session, to learn where a session's route takes it. */
const ROUTING_TRIES = 4;
const VERIFY_TRIES = 3;

export const NODES_FINDINGS = {
  "login-failed": "a node answered the session path or login with an error",
  "no-session": "a node set no cookie that carries the session",
  "own-session-unknown": "a node did not recognise a session it had just created",
  "cross-node-ok": "every node recognised sessions created on the others",
  "cross-node-unknown": "some nodes did not recognise sessions created on others",
  "session-in-cookie": "the session cookie carries the session itself (a signed or encrypted payload)",
  "routes-irrelevant": "sessions are shared, so the route a session carries cannot lose it",
  "route-suffixes": "the route suffix each node puts on its session ids",
  "suffix-routing-ok": "through the balancer, every session reached a node that knows it",
  "route-collision": "nodes share a route suffix, and the balancer sends every session with it to one of them",
  "routes-not-honoured": "sessions carry a route suffix per node, yet the balancer does not send them back to it",
  "no-route-lost": "sessions carry no route suffix, and through the balancer they reach nodes that do not know them",
};

/**
 * Cross-node replay: obtains a session directly on each node, checks that node recognises it, then presents it —
 * as the browser holds it after that node's last answer — to every other node. A session the other nodes do not
 * recognise means no shared store or different keys (the store lookup tells which; with client-side sessions it can
 * only be keys). With a balancer, each session is also sent through it, to learn whether the route it carries (a
 * jvmRoute-style suffix) brings it back to its node.
 */
export const httpNodesProbe: Probe = {
  name: "http.nodes",
  description: "Obtains a session on each node directly and presents it to every other node; routes by behaviour",
  needs: ["nodes", "session-path", "check-path"],
  facts: {
    "cross-node": {
      description: "sessions from one node are recognised by the others",
      values: ["recognised", "not-recognised"],
    },
    "keys-shared": { description: "the nodes read each other's session cookies", values: ["yes"] },
    architecture: { description: "the cookie carries the session itself", values: ["cookie"] },
    "jvm-route": { description: "routes bring sessions back to their node", values: ["yes", "no"] },
    stack: {
      description: "the stack the session cookie's name suggests",
      values: ["express", "java-tomcat", "java-spring-session", "aspnet-core", "php", "python", "ruby", "other"],
    },
  },
  findings: NODES_FINDINGS,
  provides: ["node-sessions"],
  plan({ targets: t }) {
    const others = t.nodes.length - 1;
    return [
      ...t.nodes.flatMap((node) => [
        plannedSignIn(t, node, "once"),
        plannedGet(
          node,
          t.checkPath!,
          `${2 + others} times, up to ${VERIFY_TRIES} more, and one per cookie set at sign-in (that cookie left out)`,
          { note: `2 anonymous, its own session verified, each other node's session presented` },
        ),
      ]),
      ...(t.url && t.nodes.length > 1
        ? [
            plannedGet(t.url, t.checkPath!, `2 times, then ${2 * ROUTING_TRIES} per node's session`, {
              note: "each node's session through the balancer, in two passes, to see where its route takes it",
            }),
          ]
        : []),
    ];
  },
  async run(ctx) {
    const t = ctx.targets;
    const client = httpClient(ctx);
    const facts: Record<string, FactValue> = {};
    const findings: Finding[] = [];
    const target = t.nodes.map((n) => displayUrl(new URL(n))).join(", ");
    try {
      const nodes = t.nodes;
      const baselines = await Promise.all(nodes.map((n) => baselineAt(client, n, t)));
      const sessions: Array<NodeSession & { cookieHeader: string }> = [];
      const unkept: string[] = [];
      const failures: string[] = [];
      let pairs = 0;
      for (const [i, node] of nodes.entries()) {
        const result = await sessionOn(client, node, t, baselines[i]!);
        if (!result.ok) {
          if (result.finding) findings.push(result.finding);
          else unkept.push(hostOf(node));
          continue;
        }
        const obtained = result.session;
        sessions.push(obtained);
        for (const j of nodes.keys()) {
          if (j === i) continue;
          pairs++;
          const res = await client.fetch(new URL(t.checkPath!, nodes[j]!), {
            headers: { cookie: obtained.cookieHeader },
          });
          if (readAnswer(res, baselines[j]!, t.signedInText) !== "signed-in")
            failures.push(`${hostOf(node)} → ${hostOf(nodes[j]!)}`);
        }
      }
      if (unkept.length) {
        findings.push({
          id: "own-session-unknown",
          summary: `${unkept.join(", ")} did not recognise a session it had just created (${VERIFY_TRIES} tries): the session is not kept there, or is kept per worker process`,
          data: { nodes: unkept.length },
          anomaly: true,
        });
      }
      ctx.handoff.set(
        "node-sessions",
        sessions.map(({ cookieHeader: _, ...s }) => s),
      );
      const stack = sessions.map((s) => stackOfCookie(s.name, s.value)).find(Boolean);
      if (stack) facts.stack = stack;
      if (sessions.length && sessions.every((s) => carriesSession(s.value))) {
        facts.architecture = "cookie";
        findings.push({
          id: "session-in-cookie",
          summary: `the ${sessions[0]!.name} cookie carries the session itself (a signed or encrypted payload, not an id): every node must hold the same key to read it`,
          data: { name: sessions[0]!.name },
        });
      }
      if (pairs > 0) findings.push(crossNodeFinding(pairs, failures, facts));
      if (sessions.length > 1)
        findings.push(...(await routeFindings(client, t, sessions, pairs > 0 && failures.length === 0, facts)));
      return { status: sessions.length ? "ok" : "partial", target, findings, facts };
    } catch (err) {
      return failedOutcome(err, target);
    } finally {
      await client.close();
    }
  },
};

function hostOf(url: string): string {
  return new URL(url).host;
}

async function baselineAt(client: HttpClient, base: string, t: Targets): Promise<Baseline> {
  const check = new URL(t.checkPath!, base);
  return baselineOf(await client.fetch(check), await client.fetch(check));
}

/**
 * A session on one node, verified there: signed in on the node that made it (a few tries), with the cookies as the
 * browser holds them after that node's last answer (an app that rotates the id on every request has moved on).
 */
async function sessionOn(
  client: HttpClient,
  node: string,
  t: Targets,
  baseline: Baseline,
): Promise<{ ok: true; session: NodeSession & { cookieHeader: string } } | { ok: false; finding?: Finding }> {
  const jar = newJar(t);
  const check = new URL(t.checkPath!, node);
  const own = await obtainSession(client, node, t, jar);
  if (own.status >= 500 || proxyError(own))
    return {
      ok: false,
      finding: {
        id: "login-failed",
        summary: `${displayUrl(own.url)} answered ${own.status}: the node could not create a session`,
        data: { status: own.status },
        anomaly: true,
      },
    };
  let verified = false;
  for (let i = 0; i < VERIFY_TRIES && !verified; i++)
    verified = readAnswer(await client.fetch(check, { jar }), baseline, t.signedInText) === "signed-in";
  if (!verified) {
    if (jar.seen.length === 0)
      return {
        ok: false,
        finding: {
          id: "no-session",
          summary: `${hostOf(node)} set no cookie when asked directly (an app behind a TLS-terminating proxy may set its Secure cookie only there)`,
        },
      };
    const dropped = droppedSessionCookie(jar);
    if (dropped)
      return {
        ok: false,
        finding: {
          id: "no-session",
          summary: `browsers would not keep the session cookie ${dropped} that ${hostOf(node)} sets, so its sessions cannot be replayed`,
        },
      };
    return { ok: false };
  }
  const session = await inferSessionCookie(jar, t, async (name) => {
    const res = await client.fetch(check, { headers: { cookie: cookieHeaderWithout(jar, check, name) } });
    return readAnswer(res, baseline, t.signedInText) === "anonymous";
  });
  if (!session)
    return {
      ok: false,
      finding: {
        id: "no-session",
        summary: `${hostOf(node)} set no cookie that carries the session (cookies: ${jar.names().join(", ") || "none"})`,
      },
    };
  const route = routeSuffix(session.value);
  return {
    ok: true,
    session: {
      node,
      name: session.name,
      value: session.value,
      ...(route ? { route } : {}),
      cookieHeader: jar.header(check),
    },
  };
}

function crossNodeFinding(pairs: number, failures: string[], facts: Record<string, FactValue>): Finding {
  // A pair that fails one way only points at something directional (a clock behind rejects cookies signed "in the
  // future"); different keys fail both ways.
  const reversed = (f: string) => f.split(" → ").reverse().join(" → ");
  const oneWay = failures.some((f) => !failures.includes(reversed(f)));
  // One node in every failure, both ways, while other pairs recognise each other: the others share sessions, so
  // sharing is the design and that node is left out of it. Groups that share among themselves on purpose (two
  // replicating pairs) fail with no node common to every failure.
  const nodesOf = (f: string) => f.split(" → ");
  const inEvery = failures.length
    ? nodesOf(failures[0]!).filter((n) => failures.every((f) => nodesOf(f).includes(n)))
    : [];
  const oneLeftOut = !oneWay && inEvery.length === 1 && pairs > failures.length;
  const data = { pairs, notRecognised: failures.length, oneWay, oneLeftOut };
  if (failures.length === 0) {
    facts["cross-node"] = "recognised";
    facts["keys-shared"] = "yes";
    return {
      id: "cross-node-ok",
      summary: `every node recognised sessions created on the others (${pairs} pairs): sessions are shared and keys agree`,
      data,
    };
  }
  facts["cross-node"] = "not-recognised";
  return {
    id: "cross-node-unknown",
    summary: `${failures.length} of ${pairs} node pairs did not recognise each other's sessions (${failures.join(", ")}${oneWay ? "; one way only" : ""}): either sessions are not shared, or nodes cannot read each other's`,
    data,
  };
}

/**
 * Routes by behaviour, never by the suffix's shape: which suffix each node puts on its ids, and — through the
 * balancer — whether a session comes back to a node that knows it. Shared sessions make routes irrelevant.
 */
async function routeFindings(
  client: HttpClient,
  t: Targets,
  sessions: Array<NodeSession & { cookieHeader: string }>,
  shared: boolean,
  facts: Record<string, FactValue>,
): Promise<Finding[]> {
  const routes = sessions.map((s) => s.route);
  const listed = sessions.map((s) => `${hostOf(s.node)}: ${s.route ?? "none"}`).join(", ");
  const unique = routes.every((r) => r !== undefined) && new Set(routes).size === routes.length;
  const shape = routes.every((r) => r === undefined) ? "none" : unique ? "unique" : "shared";
  if (shared) {
    facts["jvm-route"] = "yes";
    return [
      {
        id: "routes-irrelevant",
        summary: `sessions are shared between the nodes, so the route a session carries (${listed}) cannot lose it`,
        data: { routes: shape },
      },
    ];
  }
  const info: Finding = {
    id: "route-suffixes",
    summary: `route suffixes on session ids: ${listed}`,
    data: { routes: shape },
  };
  if (!t.url) return [info];
  const check = new URL(t.checkPath!, t.url);
  const baseline = baselineOf(await client.fetch(check), await client.fetch(check));
  const survival: number[] = [];
  // A cookie the balancer sets on its own (an affinity cookie of any name) means it pins users by that cookie, not by
  // the session's route: a session replayed without it says nothing of routes.
  const nodeCookies = new Set(sessions.flatMap((s) => s.cookieHeader.split(/;\s*/).map((p) => p.split("=")[0]!)));
  let balancerCookie = false;
  const recognised = sessions.map(() => 0);
  // Two passes, the second in reverse order. A balancer that evens out requests per backend (Apache's byrequests)
  // sends a session whose route it does not know to the backend the other sessions' routed requests left behind,
  // which is its own node when it is tried last; after a pass the backends are even, and the reverse pass tries it
  // on level ground.
  for (const order of [sessions.keys(), [...sessions.keys()].reverse()])
    for (const k of order)
      for (let i = 0; i < ROUTING_TRIES; i++) {
        const res = await client.fetch(check, { headers: { cookie: sessions[k]!.cookieHeader } });
        if (readAnswer(res, baseline, t.signedInText) === "signed-in") recognised[k]!++;
        if (res.setCookies.some((c) => !nodeCookies.has(c.split("=")[0]!.trim()))) balancerCookie = true;
      }
  survival.push(...recognised.map((n) => n / (2 * ROUTING_TRIES)));
  const through = sessions.map((s, i) => `${hostOf(s.node)}'s ${Math.round(survival[i]! * 100)} %`).join(", ");
  // One session recognised on some tries and not on others: this client's requests reached different nodes, so the
  // balancer does not pin it by its address.
  const spread = survival.some((x) => x > 0 && x < 1);
  if (survival.every((x) => x === 1)) {
    facts["jvm-route"] = "yes";
    return [
      info,
      {
        id: "suffix-routing-ok",
        summary: `through the balancer every session reached a node that knows it (${through})`,
        data: { routes: shape },
      },
    ];
  }
  const collided = sessions.find(
    (s, i) =>
      s.route && survival[i] === 0 && sessions.some((o, j) => j !== i && o.route === s.route && survival[j] === 1),
  );
  if (collided) {
    facts["jvm-route"] = "no";
    return [
      info,
      {
        id: "route-collision",
        summary: `nodes share the route "${collided.route}" (${listed}); through the balancer every session with it went to one node, so the other node's users are always lost (${through} recognised)`,
        data: { routes: shape, balancerCookie },
      },
    ];
  }
  if (shape === "none")
    return [
      info,
      {
        id: "no-route-lost",
        summary: `session ids carry no route suffix (${listed}), and through the balancer sessions reached nodes that do not know them (${through} recognised)`,
        data: { routes: shape, balancerCookie, spread },
      },
    ];
  facts["jvm-route"] = "no";
  return [
    info,
    {
      id: "routes-not-honoured",
      summary: `each node puts its own route on session ids (${listed}), yet through the balancer sessions did not come back to their node (${through} recognised): the balancer does not route on the suffix, or its route names differ from the nodes'`,
      data: { routes: shape, balancerCookie, spread },
    },
  ];
}
