import type { FactValue } from "../../flows/schema.js";
import type { Finding, ProbeOutcome } from "../types.js";
import { HttpProblem } from "./client.js";
import { isSessionCookie, recogniseAffinity, stackOfCookie } from "./names.js";
import { lifetimeSeconds, type CookieJar } from "./cookies.js";

/** A request failure as a failed outcome with one finding saying what happened; other errors are rethrown. */
export function failedOutcome(err: unknown, target: string): ProbeOutcome {
  if (!(err instanceof HttpProblem)) throw err;
  return {
    status: "failed",
    target,
    findings: [{ id: `request-${err.kind}`, summary: err.message, effects: [] }],
    facts: {},
  };
}

/**
 * What the cookies a jar received say, read the way browsers read them: problems with the session cookie and the
 * affinity cookie, the stack and the idle timeout the session cookie reveals.
 */
export function cookieFindings(
  jar: CookieJar,
  sessionName: string | undefined,
  facts: Record<string, FactValue>,
): Finding[] {
  const findings: Finding[] = [];
  const reported = new Set<string>();
  for (const { cookie, url, problems, serverDate } of jar.seen) {
    const session = isSessionCookie(cookie.name, sessionName);
    const affinity = recogniseAffinity(cookie.name, cookie.value);
    if (session) {
      const stack = stackOfCookie(cookie.name);
      if (stack) facts.stack = stack;
      const life = lifetimeSeconds(cookie, serverDate);
      if (life !== undefined && life > 0) facts["idle-timeout"] = `${Math.round(life)}s`;
      facts["cookie-sent"] = problems.some((p) => p.dropped) ? "no" : "yes";
    }
    for (const p of problems) {
      const key = `${cookie.name}:${p.rule}`;
      if (reported.has(key)) continue;
      reported.add(key);
      const what = session
        ? `the session cookie ${cookie.name}`
        : affinity
          ? `the ${affinity.product} affinity cookie ${cookie.name}`
          : `cookie ${cookie.name}`;
      const effects = !p.dropped
        ? []
        : session
          ? [
              { cause: "cookie-attributes", weight: 0.85 },
              ...(p.rule === "expired-on-arrival" ? [{ cause: "clock-skew", weight: 0.3 }] : []),
              ...(p.rule === "too-large" ? [{ cause: "session-size", weight: 0.4 }] : []),
            ]
          : affinity
            ? [
                { cause: "lb-affinity", weight: 0.5 },
                { cause: "cookie-attributes", weight: 0.4 },
              ]
            : [];
      findings.push({
        id: `cookie-${p.rule}`,
        summary: `${what} from ${url.origin}: ${p.detail}`,
        data: { cookie: cookie.name, rule: p.rule, dropped: p.dropped },
        effects,
      });
    }
  }
  return findings;
}
