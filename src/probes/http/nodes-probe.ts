import type { FactValue } from "../../flows/schema.js";
import { NODE_SESSIONS, type Finding, type NodeSession, type Probe } from "../types.js";
import { displayUrl } from "./client.js";
import { cookieFindings, failedOutcome } from "./findings.js";
import { jvmRouteOf } from "./names.js";
import { fingerprint, httpClient, newJar, obtainSession, sameAnswer, sessionCookieOf } from "./session.js";

/**
 * Cross-node replay: obtains a session directly on each node and presents it to every other node. A session the
 * other nodes do not recognise means no shared store or different keys; the store lookup tells which.
 * Also checks Tomcat jvmRoute suffixes against the node that issued them.
 */
export const httpNodesProbe: Probe = {
  name: "http.nodes",
  description: "Obtains a session on each node directly and presents it to every other node; jvmRoute suffixes",
  needs: ["nodes", "session-path", "check-path"],
  facts: {
    "cross-node": {
      description: "sessions from one node are recognised by the others",
      values: ["recognised", "not-recognised"],
    },
    "keys-shared": { description: "the nodes read each other's session cookies", values: ["yes"] },
    "jvm-route": { description: "every node has its own route suffix", values: ["yes", "no"] },
  },
  async run(ctx) {
    const t = ctx.targets;
    const client = httpClient(ctx);
    const facts: Record<string, FactValue> = {};
    const findings: Finding[] = [];
    const target = t.nodes.map((n) => displayUrl(new URL(n))).join(", ");
    try {
      const nodes = t.nodes;
      const baselines = await Promise.all(
        nodes.map(async (n) => fingerprint(await client.fetch(new URL(t.checkPath!, n)))),
      );
      const sessions: NodeSession[] = [];
      const routes = new Map<string, string | null>();
      const misrouted: string[] = [];
      const unkept: string[] = [];
      let pairs = 0;
      const failures: string[] = [];
      for (const [i, node] of nodes.entries()) {
        const jar = newJar(t);
        const own = await obtainSession(client, node, t, jar);
        if (i === 0) findings.push(...cookieFindings(jar, t.sessionCookie, facts));
        if (own.status >= 500) {
          findings.push({
            id: "login-failed",
            summary: `${displayUrl(own.url)} answered ${own.status}: the node could not create a session`,
            data: { status: own.status },
            effects: [],
          });
          continue;
        }
        const cookie = sessionCookieOf(jar, t);
        if (!cookie) {
          findings.push({
            id: "no-session",
            summary: `${displayUrl(new URL(node))} set no session cookie a browser would keep`,
            effects: [],
          });
          continue;
        }
        sessions.push({ node, ...cookie });
        const route = jvmRouteOf(cookie.name, cookie.value);
        if (route !== undefined) routes.set(node, route);
        // Through the balancer, a session must come back to the node whose route it carries.
        const header = t.backendHeader?.toLowerCase();
        if (route && t.url && header && own.headers[header]) {
          const via = await client.fetch(new URL(t.checkPath!, t.url), {
            headers: { cookie: `${cookie.name}=${cookie.value}` },
          });
          const answered = via.headers[header];
          if (answered && answered !== own.headers[header])
            misrouted.push(`a session with route "${route}" from ${own.headers[header]} was sent to ${answered}`);
        }
        const recognisedBy = async (j: number) => {
          const res = await client.fetch(new URL(t.checkPath!, nodes[j]!), {
            headers: { cookie: `${cookie.name}=${cookie.value}` },
          });
          return !sameAnswer(fingerprint(res), baselines[j]!, false);
        };
        // A node that does not know its own session says nothing about the others: the session was never kept.
        if (!(await recognisedBy(i))) {
          unkept.push(hostOf(node));
          continue;
        }
        for (const j of nodes.keys()) {
          if (j === i) continue;
          pairs++;
          if (!(await recognisedBy(j))) failures.push(`${hostOf(node)} → ${hostOf(nodes[j]!)}`);
        }
      }
      if (unkept.length) {
        findings.push({
          id: "own-session-unknown",
          summary: `${unkept.join(", ")} did not recognise a session it had just created: the session is not kept (not saved, or the check path does not tell sessions apart)`,
          effects: [],
        });
      }
      ctx.handoff.set(NODE_SESSIONS, sessions);
      if (pairs > 0) findings.push(crossNodeFinding(pairs, failures, facts));
      findings.push(...routeFindings(routes, misrouted, facts));
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

function crossNodeFinding(pairs: number, failures: string[], facts: Record<string, FactValue>): Finding {
  const data = { pairs, notRecognised: failures.length };
  if (failures.length === 0) {
    facts["cross-node"] = "recognised";
    facts["keys-shared"] = "yes";
    return {
      id: "cross-node-ok",
      summary: `every node recognised sessions created on the others (${pairs} pairs): sessions are shared and keys agree`,
      data,
      effects: [
        { cause: "lb-affinity", weight: -0.5 },
        { cause: "key-mismatch", weight: -0.7 },
      ],
    };
  }
  facts["cross-node"] = "not-recognised";
  return {
    id: "cross-node-unknown",
    summary: `${failures.length} of ${pairs} node pairs did not recognise each other's sessions (${failures.join(", ")}): either sessions are not shared, or nodes sign them with different keys`,
    data,
    effects: [
      { cause: "lb-affinity", weight: 0.4 },
      { cause: "key-mismatch", weight: 0.4 },
    ],
  };
}

function routeFindings(
  routes: Map<string, string | null>,
  misrouted: string[],
  facts: Record<string, FactValue>,
): Finding[] {
  if (routes.size === 0) return [];
  const byRoute = new Map<string, string[]>();
  const missing: string[] = [];
  for (const [node, route] of routes) {
    if (route === null) missing.push(hostOf(node));
    else byRoute.set(route, [...(byRoute.get(route) ?? []), hostOf(node)]);
  }
  const shared = [...byRoute].filter(([, nodes]) => nodes.length > 1);
  const listed = [...routes].map(([n, r]) => `${hostOf(n)}: ${r ?? "none"}`).join(", ");
  if (shared.length || missing.length || misrouted.length) {
    facts["jvm-route"] = "no";
    const problems = [
      ...shared.map(([route, nodes]) => `${nodes.join(" and ")} share jvmRoute "${route}"`),
      ...(missing.length ? [`${missing.join(", ")} add no route suffix to JSESSIONID`] : []),
      ...(misrouted.length ? [`the balancer's routes do not match the nodes' jvmRoute: ${misrouted.join("; ")}`] : []),
    ];
    return [
      {
        id: "jvm-route",
        summary: `${problems.join("; ")} (${listed}): the balancer cannot route a session back to its node`,
        effects: [{ cause: "jvm-route", weight: 0.8 }],
      },
    ];
  }
  facts["jvm-route"] = "yes";
  return [
    {
      id: "jvm-route",
      summary: `each node has its own jvmRoute (${listed})`,
      effects: [{ cause: "jvm-route", weight: -0.5 }],
    },
  ];
}
