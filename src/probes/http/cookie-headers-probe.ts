import type { FactValue } from "../../model/facts.js";
import type { Finding } from "../../model/findings.js";
import type { Probe } from "../types.js";
import { displayUrl, HttpProblem, type HttpClient } from "./client.js";
import { plannedGet, plannedSignIn } from "./plan.js";
import { collisionFindings } from "./collisions.js";
import { failedOutcome } from "./findings.js";
import {
  cookieSizeFindings,
  headerBytes,
  headerRefusal,
  limitFinding,
  limitOf,
  PAD_SIZES,
  paddedCookie,
  responseHeadersFinding,
  type Step,
} from "./header-size.js";
import { httpClient, inferSessionCookie, newJar, obtainSession, proxyError } from "./session.js";

export const COOKIE_HEADER_FINDINGS = {
  "cookie-collision": "a browser would send one cookie name twice (different Domain or Path, or two apps on one host)",
  "cookie-names-unique": "every Cookie header a browser would send carries each name once",
  "header-limit": "the Cookie header size the proxy or server refuses, found with a padded dummy cookie",
  "cookies-refused": "the cookies a browser holds after signing in are refused for their size",
  "cookies-near-limit": "the cookies after signing in take over half the header size that is refused",
  "cookies-within-limit": "the cookies after signing in are well within the header size that is accepted",
  "response-headers-refused": "the sign-in fails through the proxy but not on a node, with large response headers",
  "login-failed": "signing in through the balancer answered with an error, so the cookies could not be measured",
};

/**
 * What the cookies of a signed-in browser cost on the way in: signs in through the balancer like a browser
 * (collecting every Set-Cookie of the sign-in and its redirects), then reads the Cookie header the browser would send
 * to each page of that chain and to the check path — a name twice is a collision — and measures it against the
 * size the proxy refuses, found with a bounded series of GETs of the health path (or the check path) carrying one
 * dummy cookie of 4, 8, 16 and 32 KB, stopping at the first refusal.
 */
export const httpCookieHeadersProbe: Probe = {
  name: "http.cookie-headers",
  description: "Finds cookies of one name sent twice, and cookies that outgrow a proxy's header size limit",
  needs: ["url", "session-path", "check-path"],
  facts: {
    "header-errors": { description: "the cookies after signing in are refused for their size", values: ["yes", "no"] },
    "duplicate-cookie": { description: "a browser would send the session cookie's name twice", values: ["yes", "no"] },
  },
  findings: COOKIE_HEADER_FINDINGS,
  plan({ targets: t }) {
    const url = t.url!;
    return [
      plannedSignIn(t, url, "once"),
      plannedGet(url, t.checkPath!, "once", { note: "with the cookies the sign-in set" }),
      plannedGet(url, t.healthPath ?? t.checkPath!, `up to ${PAD_SIZES.length} times`, {
        followsRedirects: false,
        note: `one dummy cookie of ${PAD_SIZES.map((b) => `${b / 1024} KB`).join(", ")}, stopping at the first refusal`,
      }),
      ...(t.nodes[0] ? [plannedSignIn(t, t.nodes[0], "once, when the balancer's sign-in fails")] : []),
    ];
  },
  async run(ctx) {
    const t = ctx.targets;
    const base = t.url!;
    const target = displayUrl(new URL(base));
    const client = httpClient(ctx);
    const findings: Finding[] = [];
    try {
      const jar = newJar(t);
      const check = new URL(t.checkPath!, base);
      const login = await obtainSession(client, base, t, jar);
      if (proxyError(login) || login.status >= 500) {
        const direct = await directSignIn(client, t);
        const refused = direct && responseHeadersFinding({ status: login.status, where: target }, direct);
        findings.push(
          refused ?? {
            id: "login-failed",
            summary: `signing in at ${displayUrl(login.url)} answered ${login.status}: the cookies could not be measured`,
            data: { status: login.status },
          },
        );
        return {
          status: refused ? "ok" : "partial",
          target,
          findings,
          facts: refused ? { "header-errors": "yes" } : {},
        };
      }
      const page = await client.fetch(check, { jar });
      const session = (await inferSessionCookie(jar, t))?.name;
      const collisions = collisionFindings(jar, [...login.redirects, login.url, check], session);
      findings.push(...collisions);
      const facts: Record<string, FactValue> = {};
      if (collisions.some((f) => f.id === "cookie-collision" && f.data?.session)) facts["duplicate-cookie"] = "yes";
      else if (collisions.some((f) => f.id === "cookie-names-unique")) facts["duplicate-cookie"] = "no";

      const sent = jar.header(check);
      const probePath = new URL(t.healthPath ?? t.checkPath!, base);
      const where = displayUrl(probePath);
      const steps: Step[] = [];
      for (const bytes of PAD_SIZES) {
        const refused = await refusal(client, probePath, paddedCookie(bytes));
        steps.push({ bytes, ...(refused ? { refused } : {}) });
        if (refused) break;
      }
      const limit = limitOf(steps);
      findings.push(limitFinding(limit, where));
      const cookie = {
        bytes: Buffer.byteLength(sent),
        count: sent ? sent.split(/;\s*/).length : 0,
        refused: headerRefusal(page),
      };
      const sizes = cookieSizeFindings(cookie, limit, target);
      findings.push(...sizes);
      if (sizes.some((f) => f.id === "cookies-refused")) facts["header-errors"] = "yes";
      if (sizes.some((f) => f.id === "cookies-within-limit")) facts["header-errors"] = "no";
      return { status: "ok", target, findings, facts };
    } catch (err) {
      return failedOutcome(err, target);
    } finally {
      await client.close();
    }
  },
};

/** A request refused for its headers' size: the refusing answer, or a connection closed on it. */
async function refusal(client: HttpClient, url: URL, cookie: string): Promise<string | undefined> {
  try {
    return headerRefusal(await client.fetch(url, { headers: { cookie }, followRedirects: false }));
  } catch (err) {
    if (err instanceof HttpProblem && err.kind === "connection") return "the connection was closed";
    throw err;
  }
}

/** Signs in on the first node directly, to compare with the balancer's answer. */
async function directSignIn(client: HttpClient, t: Parameters<typeof newJar>[0]) {
  const node = t.nodes[0];
  if (!node) return undefined;
  const res = await obtainSession(client, node, t, newJar(t));
  const setCookieBytes = res.setCookies.reduce((n, v) => n + Buffer.byteLength(v), 0);
  return {
    status: res.status,
    headerBytes: headerBytes(res.headers, res.setCookies),
    setCookieBytes,
    where: displayUrl(new URL(node)),
  };
}
