import type { Finding } from "../../model/findings.js";
import type { Probe } from "../types.js";
import { displayUrl } from "./client.js";
import { plannedGet, plannedSignIn } from "./plan.js";
import { parseSetCookie } from "./cookies.js";
import { failedOutcome, skippedAfterFailure } from "./findings.js";
import { carriesSession, httpClient, inferSessionCookie, newJar, obtainSession } from "./session.js";

const DEFAULT_PARALLEL = 4;

/** What the parallel answers did with the session cookie: re-issued it (and with how many values), or left it. */
export type Reissues = { requests: number; reissued: number; distinct: number; carried: boolean };

export function reissuesOf(name: string, sent: string, answers: string[][]): Reissues {
  const values = answers.flatMap((setCookies) => {
    const mine = setCookies.map(parseSetCookie).filter((c) => c?.name === name);
    return mine.length ? [mine.at(-1)!.value] : [];
  });
  return {
    requests: answers.length,
    reissued: values.length,
    distinct: new Set(values.filter((v) => v !== sent)).size,
    carried: values.length > 0 && values.every(carriesSession),
  };
}

export function parallelFindings(name: string, r: Reissues): Finding[] {
  const data = { ...r };
  if (r.reissued > 0 && r.carried)
    return [
      {
        id: "reissues-session",
        summary: `${r.reissued} of ${r.requests} parallel requests with one session each answered with a ${name} that carries the whole session: the browser keeps whichever arrives last, so a page that only reads, answering after a concurrent change, puts the old session back`,
        data,
      },
    ];
  if (r.distinct > 1)
    return [
      {
        id: "ids-diverge",
        summary: `${r.requests} parallel requests with one session came back with ${r.distinct} different ${name} ids: concurrent requests each continue a different session, and all but the last one's changes are lost`,
        data,
      },
    ];
  return [
    {
      id: "session-left-alone",
      summary: `none of ${r.requests} parallel requests with one session gave ${name} a new value${r.reissued ? " (the same id was sent again)" : ""}: answers that only read cannot overwrite one another in the browser`,
      data,
    },
  ];
}

/**
 * Parallel requests with one session through the balancer, as tabs and XHR send them: a few GETs of the check path at
 * once with the same cookies. Reads only; what it watches is whether the answers re-issue the session cookie, which
 * decides whether a read can undo a concurrent write in a client-side (cookie) session.
 */
export const httpParallelProbe: Probe = {
  name: "http.parallel",
  description: "Sends a few GETs of the check path at once with one session and compares the session cookies they set",
  needs: ["url", "session-path", "check-path"],
  facts: {},
  uses: ["balancer-answered"],
  findings: {
    "balancer-silent": "not run: the balancer did not answer http.continuity in full",
    "reissues-session": "parallel answers each re-issued a session cookie that carries the whole session",
    "ids-diverge": "parallel answers came back with different session ids",
    "session-left-alone": "no parallel answer changed the session cookie's value",
    "no-session-cookie": "signing in set no cookie the probe could take for the session",
  },
  plan({ targets: t, params }) {
    const n = Number(params.requests ?? DEFAULT_PARALLEL);
    const when = "only when the balancer answered http.continuity in full";
    return [
      plannedSignIn(t, t.url!, "once", `sign-in, ${when}`),
      plannedGet(t.url!, t.checkPath!, `${n} times at once`, { followsRedirects: false, note: "with one session" }),
    ];
  },
  async run(ctx) {
    const t = ctx.targets;
    const target = displayUrl(new URL(t.checkPath!, t.url!));
    const skipped = skippedAfterFailure(ctx, target);
    if (skipped) return skipped;
    const client = httpClient(ctx);
    const n = Number(ctx.params.requests ?? DEFAULT_PARALLEL);
    try {
      const jar = newJar(t);
      await obtainSession(client, t.url!, t, jar);
      const session = await inferSessionCookie(jar, t);
      if (!session)
        return {
          status: "partial",
          target,
          findings: [
            { id: "no-session-cookie", summary: "signing in set no cookie the probe could take for the session" },
          ],
          facts: {},
        };
      const check = new URL(t.checkPath!, t.url!);
      const cookie = jar.header(check);
      const answers = await Promise.all(
        Array.from({ length: n }, () =>
          client.fetch(check, { headers: { cookie }, followRedirects: false }).then((r) => r.setCookies),
        ),
      );
      const findings = parallelFindings(session.name, reissuesOf(session.name, session.value, answers));
      return { status: "ok", target, findings, facts: {} };
    } catch (err) {
      return failedOutcome(err, target);
    } finally {
      await client.close();
    }
  },
};
