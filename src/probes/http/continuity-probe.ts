import type { FactValue } from "../../flows/schema.js";
import type { Finding, Probe } from "../types.js";
import { displayUrl } from "./client.js";
import { cookieFindings, failedOutcome } from "./findings.js";
import { isSessionCookie, recogniseAffinity, type Affinity } from "./names.js";
import {
  distinguishingHeader,
  fingerprint,
  httpClient,
  newJar,
  obtainSession,
  sameAnswer,
  sessionCookieOf,
} from "./session.js";

const DEFAULT_REQUESTS = 12;

/**
 * Follows one session through the load balancer like a browser: obtains a session, then requests the check path
 * N times with it, and compares each answer with an anonymous one. Reads every cookie as browsers do.
 */
export const httpContinuityProbe: Probe = {
  name: "http.continuity",
  description:
    "Obtains a session through the load balancer and checks that it survives N requests; affinity and cookie rules",
  needs: ["url", "session-path", "check-path"],
  facts: {
    "session-continuity": { description: "the session survived every request", values: ["holds", "lost"] },
    "lb-sticky": { description: "the load balancer pins users to a backend", values: ["yes", "no"] },
    "affinity-holds": { description: "the affinity held over every request", values: ["yes", "no"] },
    "cookie-sent": { description: "browsers keep and send the session cookie", values: ["yes", "no"] },
    stack: {
      description: "the stack the session cookie reveals",
      values: ["express", "java-tomcat", "java-spring-session", "aspnet-core", "php", "other"],
    },
    "idle-timeout": { description: "the session cookie's lifetime", values: ["1800s"] },
  },
  async run(ctx) {
    const t = ctx.targets;
    const base = t.url!;
    const client = httpClient(ctx);
    const facts: Record<string, FactValue> = {};
    const findings: Finding[] = [];
    const check = new URL(t.checkPath!, base);
    try {
      const [anonA, anonB] = [await client.fetch(check), await client.fetch(check)];
      const baseline = fingerprint(anonA);
      const compareBody = baseline.body === fingerprint(anonB).body;

      const jar = newJar(t);
      const login = await obtainSession(client, base, t, jar);
      findings.push(...cookieFindings(jar, t.sessionCookie, facts));
      if (login.status >= 500) {
        // The app could not create a session at all (a store refusing writes, a crash): continuity cannot be tested.
        findings.push({
          id: "login-failed",
          summary: `${displayUrl(login.url)} answered ${login.status}: the app could not create a session; its logs say why`,
          data: { status: login.status },
          effects: [],
        });
        return { status: "partial", target: displayUrl(new URL(base)), findings, facts };
      }
      const session = sessionCookieOf(jar, t);
      if (!session) {
        const issued = [...new Set(jar.seen.map((s) => s.cookie.name))];
        const sessions = issued.filter((n) => isSessionCookie(n, t.sessionCookie));
        const others =
          issued.length > sessions.length
            ? ` (other cookies: ${issued.filter((n) => !sessions.includes(n)).join(", ")})`
            : "";
        const why = sessions.length
          ? `browsers would not keep the session cookie ${sessions.join(", ")}`
          : `no session cookie was set${others}`;
        findings.push({
          id: "no-session",
          summary: `${login.status} from ${displayUrl(login.url)}: ${why}`,
          data: { status: login.status },
          effects: [],
        });
        return {
          status: facts["cookie-sent"] === "no" ? "ok" : "partial",
          target: displayUrl(new URL(base)),
          findings,
          facts,
        };
      }

      const requests = Number(ctx.params.requests ?? DEFAULT_REQUESTS);
      const discovered = t.backendHeader ? undefined : await distinguishingHeader(client, t.nodes, t.checkPath!);
      const header = t.backendHeader?.toLowerCase() ?? discovered?.header;
      const nameOf = (value: string | undefined) => (value && discovered?.node.get(value)) || value;
      if (discovered)
        findings.push({
          id: "backend-header",
          summary: `backends told apart by the ${discovered.header} header, which differs between the nodes`,
          effects: [],
        });
      const origin = nameOf(header ? login.headers[header] : undefined);
      let lostAtOrigin = 0;
      const backends: string[] = [];
      const affinities: Affinity[] = [];
      let anonymous = 0;
      let replaced = 0;
      for (let i = 0; i < requests; i++) {
        const before = jar.get(session.name);
        const res = await client.fetch(check, { jar });
        const lost = sameAnswer(fingerprint(res), baseline, compareBody);
        if (lost) anonymous++;
        if (jar.get(session.name) !== before) replaced++;
        const affinity = affinityIn(jar.names().map((n) => [n, jar.get(n)!]));
        if (affinity) affinities.push(affinity);
        const backend = nameOf(header ? res.headers[header] : undefined) || affinity?.backend;
        if (backend) backends.push(backend);
        if (lost && origin && backend === origin) lostAtOrigin++;
      }
      findings.push(...affinityFindings(affinities, backends, requests, facts));
      findings.push(
        continuityFinding(
          {
            requests,
            anonymous,
            replaced,
            backends,
            affinity: affinities.length > 0,
            check: displayUrl(check),
            origin,
            lostAtOrigin,
          },
          facts,
        ),
      );
      return { status: "ok", target: displayUrl(new URL(base)), findings, facts };
    } catch (err) {
      return failedOutcome(err, displayUrl(new URL(base)));
    } finally {
      await client.close();
    }
  },
};

function affinityIn(cookies: Array<[string, string]>): Affinity | undefined {
  for (const [name, value] of cookies) {
    const a = recogniseAffinity(name, value);
    if (a) return a;
  }
  return undefined;
}

function affinityFindings(
  affinities: Affinity[],
  backends: string[],
  requests: number,
  facts: Record<string, FactValue>,
): Finding[] {
  const distinct = [...new Set(backends)];
  if (affinities.length === 0) {
    if (distinct.length > 1) facts["lb-sticky"] = "no";
    const seen = distinct.length
      ? `; ${requests} requests were served by ${distinct.length} backend(s): ${distinct.join(", ")}`
      : "";
    return [
      {
        id: "no-affinity",
        summary: `no load-balancer affinity cookie${seen}`,
        data: { backends: distinct.length },
        effects: [],
      },
    ];
  }
  const first = affinities[0]!;
  const values = new Set(affinities.map((a) => a.value));
  const holds = values.size === 1 && affinities.length === requests && distinct.length <= 1;
  facts["lb-sticky"] = "yes";
  facts["affinity-holds"] = holds ? "yes" : "no";
  return [
    {
      id: holds ? "affinity-holds" : "affinity-breaks",
      summary: holds
        ? `${first.product} affinity cookie ${first.cookie} kept every one of ${requests} requests on backend ${first.backend ?? "(opaque)"}`
        : `${first.product} affinity cookie ${first.cookie} did not hold: ${values.size} values, backends ${distinct.join(", ") || "unknown"} over ${requests} requests`,
      data: { product: first.product, values: values.size, backends: distinct.length },
      effects: holds ? [] : [{ cause: "lb-affinity", weight: 0.6 }],
    },
  ];
}

function continuityFinding(
  r: {
    requests: number;
    anonymous: number;
    replaced: number;
    backends: string[];
    affinity: boolean;
    check: string;
    origin?: string;
    lostAtOrigin: number;
  },
  facts: Record<string, FactValue>,
): Finding {
  const distinct = [...new Set(r.backends)];
  const where = distinct.length ? ` (backends: ${distinct.join(", ")})` : "";
  const reissued = r.replaced
    ? `; the server issued a new session cookie ${r.replaced} times, so it did not recognise the one sent`
    : "";
  const data = { requests: r.requests, anonymous: r.anonymous, replaced: r.replaced, backends: distinct.length };
  facts["session-continuity"] = r.anonymous === 0 ? "holds" : "lost";
  if (r.anonymous === 0) {
    return {
      id: "session-holds",
      summary: `all ${r.requests} requests to ${r.check} with the session were answered as signed in${where}`,
      data,
      effects: [
        { cause: "lb-affinity", weight: -0.6 },
        { cause: "cookie-attributes", weight: -0.5 },
        ...(distinct.length > 1 ? [{ cause: "key-mismatch", weight: -0.5 }] : []),
      ],
    };
  }
  if (r.lostAtOrigin > 0) {
    return {
      id: "session-not-kept",
      summary: `${r.anonymous} of ${r.requests} requests to ${r.check} with a valid session came back anonymous, ${r.lostAtOrigin} of them from ${r.origin}, the backend that created it: the session was not kept (not saved, or expired at once) — not a routing problem${reissued}`,
      data,
      effects: [
        { cause: "lb-affinity", weight: -0.4 },
        { cause: "replication", weight: 0.15 },
        { cause: "store-capacity", weight: 0.15 },
      ],
    };
  }
  const onOneBackend = r.affinity && distinct.length <= 1;
  return {
    id: "session-lost",
    summary: `${r.anonymous} of ${r.requests} requests to ${r.check} with a valid session came back anonymous${where}${reissued}`,
    data,
    // Lost on one pinned backend is not routing; lost across backends is routing or keys (the cross-node probe splits them).
    effects: onOneBackend
      ? [{ cause: "lb-affinity", weight: -0.4 }]
      : [
          { cause: "lb-affinity", weight: r.affinity ? 0.5 : 0.65 },
          { cause: "key-mismatch", weight: 0.25 },
        ],
  };
}
