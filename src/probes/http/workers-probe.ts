import type { FactValue } from "../../model/facts.js";
import type { Finding } from "../../model/findings.js";
import type { Targets } from "../../model/targets.js";
import type { Probe } from "../types.js";
import { displayUrl, type HttpClient } from "./client.js";
import { plannedGet, plannedSignIn } from "./plan.js";
import { deletes, type CookieJar } from "./cookies.js";
import { failedOutcome } from "./findings.js";
import { baselineOf, httpClient, newJar, obtainSession, proxyError, readAnswer, type Reading } from "./session.js";

/**
 * Requests per node: with up to eight worker processes handed connections at random, the one that made the session
 * answers at least once in nine of ten nodes (7/8 to the 16th power is 0.12); with fewer workers, almost surely.
 */
const DEFAULT_REQUESTS = 16;

export const WORKERS_FINDINGS = {
  "kept-on-node": "every node recognised its own session on every fresh connection",
  "per-process": "a node recognised its own session on some fresh connections and not on others",
  "dropped-on-node": "a node recognised its own session, then no longer did",
  "never-recognised": "a node never answered its own session signed in",
};

/**
 * Asks each node directly, with no balancer, whether it keeps the session it has just created: the same session
 * cookie on sixteen fresh connections in a row. A multi-process server (node's cluster module, PM2, gunicorn, PHP-FPM)
 * hands each connection to one of its workers, so a session kept in one worker's memory is signed in on some
 * connections and anonymous on others. A cookie the app deletes (Django deletes the cookie of a session it cannot
 * find) is kept anyway: the question is whether the session still exists on the node, not what one worker thinks.
 * Signing in follows its redirects on fresh connections too, so the session may be made on one worker and its
 * redirect answered by another.
 */
export const httpWorkersProbe: Probe = {
  name: "http.workers",
  description: "Presents each node's own session to it on fresh connections: sessions kept per worker process",
  needs: ["nodes", "session-path", "check-path"],
  facts: {
    "process-sessions": {
      description: "each node keeps a session in one worker process's memory only",
      values: ["yes", "no"],
    },
    "affinity-holds": {
      description: "one user's requests stay on one backend (deduced: lost through the balancer, kept on each node)",
      values: ["no"],
    },
  },
  findings: WORKERS_FINDINGS,
  plan({ targets: t, params }) {
    const requests = Number(params.requests ?? DEFAULT_REQUESTS);
    return t.nodes.flatMap((node) => [
      plannedSignIn(t, node, "once"),
      plannedGet(node, t.checkPath!, `${requests + 2} times, each on a new connection`, {
        note: `2 anonymous, then ${requests} with the session`,
      }),
    ]);
  },
  async run(ctx) {
    const t = ctx.targets;
    const client = httpClient(ctx, true);
    const requests = Number(ctx.params.requests ?? DEFAULT_REQUESTS);
    const target = t.nodes.map((n) => displayUrl(new URL(n))).join(", ");
    try {
      const readings = await Promise.all(t.nodes.map((node) => readingsOn(client, node, t, requests)));
      const facts: Record<string, FactValue> = {};
      const findings = workerFindings(
        t.nodes.map((n, i) => ({ node: new URL(n).host, readings: readings[i]! })),
        requests,
        facts,
      );
      if (movedBetweenNodes(ctx.facts, facts)) facts["affinity-holds"] = "no";
      return { status: findings.length ? "ok" : "partial", target, findings, facts };
    } catch (err) {
      return failedOutcome(err, target);
    } finally {
      await client.close();
    }
  },
};

/**
 * A session lost through the balancer, with its cookie still sent, that every node keeps on every fresh connection and
 * the other nodes do not recognise: what is left to lose it is a request that reached another node. The balancer did
 * not keep the user on one backend, whether or not it means to.
 */
export function movedBetweenNodes(
  before: Readonly<Record<string, FactValue>>,
  found: Readonly<Record<string, FactValue>>,
): boolean {
  return (
    before["session-continuity"] === "lost" &&
    before["cookie-sent"] !== "no" &&
    before["cross-node"] === "not-recognised" &&
    found["process-sessions"] === "no"
  );
}

/** Signs in on the node, then reads the check path `requests` times with the session, each on a new connection. */
async function readingsOn(client: HttpClient, node: string, t: Targets, requests: number): Promise<Reading[]> {
  const check = new URL(t.checkPath!, node);
  const baseline = baselineOf(await client.fetch(check), await client.fetch(check));
  const jar = newJar(t);
  const login = await obtainSession(client, node, t, jar);
  if (login.status >= 500 || proxyError(login)) return [];
  const readings: Reading[] = [];
  for (let i = 0; i < requests; i++) {
    const res = await client.fetch(check, { headers: { cookie: keptCookies(jar) } });
    readings.push(readAnswer(res, baseline, t.signedInText));
    jar.store(res.setCookies, res.url, res.headers.date);
  }
  return readings;
}

/**
 * The cookies as a browser holds them, but for deletions: a worker that does not know the session may delete its
 * cookie (the sign-in's own redirect can reach one), and the session must still be presented to the others.
 */
function keptCookies(jar: CookieJar): string {
  const values = new Map<string, string>();
  for (const { cookie, problems } of jar.seen)
    if (!deletes(cookie) && !problems.some((p) => p.dropped)) values.set(cookie.name, cookie.value);
  return [...values].map(([name, value]) => `${name}=${value}`).join("; ");
}

type Pattern = "kept" | "per-process" | "dropped" | "never" | "unread";

/** What one node's answers say, in order: the app's errors are neither signed in nor anonymous. */
export function patternOf(readings: readonly Reading[]): Pattern {
  const answers = readings.filter((r) => r !== "error");
  const first = answers.indexOf("signed-in");
  if (answers.length === 0) return "unread";
  if (first < 0) return "never";
  if (answers.every((r) => r === "signed-in")) return "kept";
  // Anonymous and then signed in again with the same cookie: the session exists on the node, only not everywhere.
  const lost = answers.indexOf("anonymous", first);
  if (answers.indexOf("anonymous") < first || answers.includes("signed-in", lost)) return "per-process";
  return "dropped";
}

export function workerFindings(
  nodes: Array<{ node: string; readings: Reading[] }>,
  requests: number,
  facts: Record<string, FactValue>,
): Finding[] {
  const by = (p: Pattern) => nodes.filter((n) => patternOf(n.readings) === p);
  const count = (readings: Reading[], r: Reading) => readings.filter((x) => x === r).length;
  const sequence = (readings: Reading[]) =>
    readings.map((r) => (r === "signed-in" ? "✓" : r === "anonymous" ? "✗" : "!")).join("");
  const findings: Finding[] = [];
  const perProcess = by("per-process");
  if (perProcess.length) {
    facts["process-sessions"] = "yes";
    findings.push({
      id: "per-process",
      summary: `asked directly on ${requests} fresh connections with the session it had just created, ${perProcess.map((n) => `${n.node} answered signed in ${count(n.readings, "signed-in")} times and anonymous ${count(n.readings, "anonymous")} (${sequence(n.readings)})`).join("; ")}: the session exists on the node, but only in the memory of the worker process that created it (or, where the address is itself a Service or balancer over several instances, of the instance that did: give each instance's own address to tell)`,
      data: {
        nodes: perProcess.length,
        signedIn: Math.min(...perProcess.map((n) => count(n.readings, "signed-in"))),
        anonymous: Math.max(...perProcess.map((n) => count(n.readings, "anonymous"))),
      },
      anomaly: true,
    });
  }
  const dropped = by("dropped");
  if (dropped.length)
    findings.push({
      id: "dropped-on-node",
      summary: `asked directly on fresh connections, ${dropped.map((n) => `${n.node} (${sequence(n.readings)})`).join(", ")} recognised its own session and then no longer did: the session was removed or expired on the node`,
      data: { nodes: dropped.length },
      anomaly: true,
    });
  const never = by("never");
  if (never.length)
    findings.push({
      id: "never-recognised",
      summary: `${never.map((n) => n.node).join(", ")} never answered its own session signed in (${requests} fresh connections): the node does not keep it, or the check path cannot tell`,
      data: { nodes: never.length },
    });
  const kept = by("kept");
  if (kept.length === nodes.length && nodes.length > 0) {
    facts["process-sessions"] = "no";
    findings.push({
      id: "kept-on-node",
      summary: `every node recognised its own session on each of ${requests} fresh connections (${kept.map((n) => n.node).join(", ")}): whatever worker answers, it finds the session`,
      data: { nodes: kept.length, requests },
    });
  }
  return findings;
}
