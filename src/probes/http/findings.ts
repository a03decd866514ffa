import type { FactValue } from "../../model/facts.js";
import type { Finding, ProbeOutcome } from "../../model/findings.js";
import type { ProbeContext } from "../types.js";
import { HttpProblem } from "./client.js";
import { recogniseAffinity, stackOfCookie } from "./names.js";
import { cookieProblems, deletes, lifetimeSeconds, type CookieJar, type CookieRule } from "./cookies.js";

/** A request failure as a failed outcome with one finding saying what happened; other errors are rethrown. */
export function failedOutcome(err: unknown, target: string): ProbeOutcome {
  if (!(err instanceof HttpProblem)) throw err;
  return { status: "failed", target, findings: [{ id: `request-${err.kind}`, summary: err.message }], facts: {} };
}

/** A later probe of --url after http.continuity got no full answer from it: skipped, rather than waiting again. */
export function skippedAfterFailure(ctx: ProbeContext, target: string): ProbeOutcome | undefined {
  if (ctx.handoff.get("balancer-answered") !== false) return undefined;
  return {
    status: "skipped",
    target,
    findings: [
      { id: "balancer-silent", summary: "not run: the balancer did not answer http.continuity in full (see there)" },
    ],
    facts: {},
  };
}

/** Finding ids of the cookie rules, for the probes' declarations. */
export const COOKIE_FINDINGS: Record<`cookie-${CookieRule}`, string> = {
  "cookie-too-large": "a cookie over 4096 bytes, which browsers ignore",
  "cookie-attribute-too-large": "a cookie attribute over 1024 bytes, which browsers ignore",
  "cookie-secure-over-http": "a Secure cookie set over http://, which browsers drop",
  "cookie-samesite-none-without-secure": "SameSite=None without Secure, which browsers reject",
  "cookie-domain-mismatch": "a Domain that does not match the host, which browsers reject",
  "cookie-domain-public-suffix": "a Domain that is a public suffix (co.uk), which browsers reject",
  "cookie-refused": "a cookie the browser's rules refuse for another reason",
  "cookie-secure-prefix": "a __Secure- cookie without Secure or https",
  "cookie-host-prefix": "a __Host- cookie breaking its prefix rules",
  "cookie-expired-on-arrival": "a cookie already expired by the server's own clock",
  "cookie-path-excludes-app": "a Path that does not cover the app's path",
  "cookie-lifetime-capped": "a lifetime over 400 days, which browsers cap",
  "cookie-missing-httponly": "a session cookie without HttpOnly",
  "cookie-missing-secure-on-https": "a session cookie without Secure over https",
  "cookie-samesite-strict": "a session cookie with SameSite=Strict, withheld on arrivals from other sites",
};

/** Rules that concern the session cookie only, read once it is known which cookie that is. */
const SESSION_ONLY: ReadonlySet<CookieRule> = new Set([
  "missing-httponly",
  "missing-secure-on-https",
  "samesite-strict",
]);

/**
 * What the cookies a jar received say, read the way browsers read them: problems with the session cookie and the
 * affinity cookie, and the stack and idle timeout the session cookie reveals. `session` is the inferred session
 * cookie's name, when known.
 */
export function cookieFindings(
  jar: CookieJar,
  session: string | undefined,
  facts: Record<string, FactValue>,
): Finding[] {
  const findings: Finding[] = [];
  const reported = new Set<string>();
  for (const { cookie, url, problems, serverDate } of jar.seen) {
    // A cookie set empty or with Max-Age=0 is the app deleting it (Django does so for a session it does not know).
    if (deletes(cookie)) continue;
    const isSession = cookie.name === session;
    const affinity = recogniseAffinity(cookie.name, cookie.value);
    if (isSession) {
      const stack = stackOfCookie(cookie.name, cookie.value);
      if (stack) facts.stack = stack;
      const life = lifetimeSeconds(cookie, serverDate);
      if (life !== undefined && life > 0) facts["idle-timeout"] = `${Math.round(life)}s`;
      const sameSite = cookie.sameSite?.toLowerCase();
      if (sameSite === "strict" || sameSite === "lax" || sameSite === "none") facts["session-samesite"] = sameSite;
      // A Strict cookie is sent on same-site requests only: whether users' browsers send it is theirs to say.
      if (problems.some((p) => p.dropped)) facts["cookie-sent"] = "no";
      else if (sameSite !== "strict") facts["cookie-sent"] = "yes";
    }
    // The jar stored cookies before the session cookie was known: its advice for session cookies comes now.
    const advice = isSession
      ? cookieProblems(cookie, url, { serverDate, session: true }).filter((p) => SESSION_ONLY.has(p.rule))
      : [];
    for (const p of [...problems, ...advice]) {
      // Another cookie of the same name reaches the app: this one is a duplicate (a collision), not a loss.
      if (p.rule === "path-excludes-app" && jar.sendsToApp(cookie.name, url)) continue;
      const key = `${cookie.name}:${p.rule}`;
      if (reported.has(key)) continue;
      reported.add(key);
      const what = isSession
        ? `the session cookie ${cookie.name}`
        : affinity
          ? `the ${affinity.product} affinity cookie ${cookie.name}`
          : `cookie ${cookie.name}`;
      findings.push({
        id: `cookie-${p.rule}`,
        summary: `${what} from ${url.origin}: ${p.detail}`,
        data: { cookie: cookie.name, session: isSession, affinity: Boolean(affinity), dropped: p.dropped },
        ...(p.dropped && (isSession || affinity) ? { anomaly: true } : {}),
      });
    }
  }
  return findings;
}
