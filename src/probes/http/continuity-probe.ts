import type { FactValue } from "../../model/facts.js";
import type { Finding } from "../../model/findings.js";
import type { Targets } from "../../model/targets.js";
import type { NodeSession, Probe } from "../types.js";
import { displayUrl, type HttpClient, type HttpResponse } from "./client.js";
import { plannedGet, plannedSignIn } from "./plan.js";
import { deletes, type CookieJar } from "./cookies.js";
import { COOKIE_FINDINGS, cookieFindings, failedOutcome } from "./findings.js";
import { recogniseAffinity, reissuedEveryAnswer } from "./names.js";
import {
  baselineOf,
  cacheHit,
  cacheableBySharedCache,
  carriesSession,
  cookieHeaderWithout,
  distinguishingHeader,
  droppedSessionCookie,
  httpClient,
  inferSessionCookie,
  isHeaderRefusal,
  newJar,
  obtainSession,
  proxyError,
  readAnswer,
} from "./session.js";

/** Long enough for a payload cookie's timestamp (whole seconds in Flask and Django) to move on. */
const LATER_VISITOR_MS = 1100;
const DEFAULT_REQUESTS = 12;
/** One user's session held: a balancer that pins each user by something of theirs (a hash of the session cookie,
 * which the sign-in request did not carry yet) may have been lucky for that user only. The second visitor and a few
 * more are followed for a couple of requests each; with two backends, seven lucky users in a row are one chance in 128. */
const FURTHER_VISITORS = 6;
const FURTHER_REQUESTS = 2;
const NOT_FOLLOWED = {
  /** Every request sent, those a proxy or a cache answered included. */
  sent: 0,
  requests: 0,
  signedIn: 0,
  anonymous: 0,
  lostAtOrigin: 0,
  movedOffOrigin: false,
  visitors: 0,
  visitorsLost: 0,
  backends: 0,
};
/** Tries to see a signed-in answer on the node that made the session, before calling the check path unusable. */
const VALIDATION_TRIES = 3;

export const CONTINUITY_FINDINGS = {
  "check-path-indistinct": "the check path answers alike with and without a session: nothing can be read from it",
  "session-cookie": "which cookie is the session cookie, and how that was found",
  "no-session": "signing in set no session cookie a browser would keep",
  "login-failed": "the session path or login answered with an error",
  "proxy-error": "a proxy or balancer answered instead of the app (header too large, bad gateway, unavailable)",
  "shared-session-id": "two independent visitors received the same session id",
  "visitors-distinct": "two independent visitors received different sessions, and no answer came from a shared cache",
  "cached-session-response": "a response that sets or depends on the session came from a shared cache",
  "session-response-cacheable": "the answer that sets the session cookie does not forbid shared caches to store it",
  "session-holds": "every request with the session was answered signed in",
  "session-lost": "some requests with a valid session were answered anonymous",
  "session-not-kept": "the backend that created the session answered anonymous with it",
  "id-rotates": "the server replaced the session cookie on every request",
  "affinity-holds": "the balancer's affinity cookie kept every request on one backend",
  "affinity-breaks": "the balancer's affinity cookie changed or requests moved between backends",
  "affinity-reissued": "the balancer's affinity cookie takes a new value on every answer: it names no backend",
  "no-affinity": "no affinity cookie",
  "one-backend": "with no affinity cookie, every request reached the same backend",
  "backend-header": "the response header that tells backends apart",
  ...COOKIE_FINDINGS,
};

/**
 * Follows sessions through the load balancer like a browser. First checks that the check path can tell a signed-in
 * answer from an anonymous one at all (on a node directly when nodes are given) and learns which cookie is the
 * session; then two independent visitors sign in (they must get different sessions); then one of them requests the
 * check path N times. Every answer is read before it is counted: a proxy error or a cache hit is neither signed in
 * nor anonymous.
 */
export const httpContinuityProbe: Probe = {
  name: "http.continuity",
  description: "Checks that sessions survive requests through the load balancer, and that visitors never share one",
  needs: ["url", "session-path", "check-path"],
  facts: {
    "session-continuity": { description: "the session survived every request", values: ["holds", "lost"] },
    "lb-sticky": { description: "the load balancer pins users to a backend", values: ["yes", "no"] },
    "affinity-holds": { description: "the affinity held over every request", values: ["yes", "no"] },
    "affinity-cookie": { description: "the balancer sets an affinity cookie", values: ["yes", "no"] },
    "cookie-sent": { description: "browsers keep and send the session cookie", values: ["yes", "no"] },
    "session-samesite": { description: "the session cookie's SameSite attribute", values: ["strict", "lax", "none"] },
    stack: {
      description: "the stack the session cookie's name suggests",
      values: ["express", "java-tomcat", "java-spring-session", "aspnet-core", "php", "python", "ruby", "other"],
    },
    "idle-timeout": { description: "the session cookie's lifetime", values: ["1800s"] },
    "session-cached": { description: "a shared cache answers with sessions", values: ["yes", "no"] },
    "session-cookie-set": { description: "signing in through the balancer set a session cookie", values: ["no"] },
  },
  findings: CONTINUITY_FINDINGS,
  provides: ["balancer-answered", "balancer-sessions"],
  plan({ targets: t, params }) {
    const url = t.url!;
    const node = t.nodes[0];
    const requests = Number(params.requests ?? DEFAULT_REQUESTS);
    const visitors = Number(params.visitors ?? FURTHER_VISITORS);
    const learning = `2 anonymous, up to ${VALIDATION_TRIES} signed in, one per cookie set at sign-in (that cookie left out)`;
    const fallback = node ? `; when learning on the node fails, also ${learning}` : `, then ${learning}`;
    return [
      plannedGet(url, t.checkPath!, `up to ${requests + 3 + visitors * FURTHER_REQUESTS} times${fallback}`, {
        note: `2 anonymous (the baseline), a first visit, then ${requests} with the session${visitors ? `, and ${FURTHER_REQUESTS} for each further visitor` : ""}`,
      }),
      plannedSignIn(
        t,
        url,
        `up to ${2 + Math.max(1, visitors)} times`,
        "sign-in: two visitors, a third a second later when they share a value" +
          (visitors ? `; when the first keeps its session, ${visitors - 1} more (the second is followed too)` : ""),
      ),
      ...(node
        ? [
            plannedGet(node, t.checkPath!, learning, { note: "learning the session cookie on the first node" }),
            plannedSignIn(t, node, "once"),
          ]
        : []),
      ...(t.nodes.length >= 2 && !t.backendHeader
        ? t.nodes.map((n) =>
            plannedGet(n, t.checkPath!, "2 times", {
              followsRedirects: false,
              note: "a response header that tells the nodes apart",
            }),
          )
        : []),
    ];
  },
  async run(ctx) {
    const t = ctx.targets;
    const base = t.url!;
    const target = displayUrl(new URL(base));
    const client = httpClient(ctx);
    const facts: Record<string, FactValue> = {};
    const findings: Finding[] = [];
    const partial = () => ({ status: "partial" as const, target, findings, facts });
    const check = new URL(t.checkPath!, base);
    try {
      ctx.handoff.set("balancer-answered", false);
      const baseline = baselineOf(await client.fetch(check), await client.fetch(check));
      ctx.handoff.set("balancer-answered", true);

      // Learn on a node directly when one is given: through a balancer that loses sessions, little can be learnt.
      // A node may set its cookie only behind its proxy (a Secure cookie needs X-Forwarded-Proto): then learn here.
      let where = t.nodes[0] ?? base;
      let learnt = await learnSession(client, where, t);
      if ((learnt.kind === "indistinct" || learnt.kind === "no-cookie") && where !== base)
        learnt = await learnSession(client, (where = base), t);
      if (learnt.kind === "error" || learnt.kind === "no-cookie") {
        // Through the balancer, as a browser signs in: whether a cookie was withheld or the path is no sign-in at all,
        // the store's counters tell (redis.writes).
        if (learnt.kind === "no-cookie") facts["session-cookie-set"] = "no";
        findings.push(learnt.finding);
        return partial();
      }
      if (learnt.kind === "dropped") {
        findings.push(...cookieFindings(learnt.jar, learnt.name, facts));
        findings.push({
          id: "no-session",
          summary: `browsers would not keep the session cookie ${learnt.name}, so no session survives a single request`,
        });
        return { status: "ok", target, findings, facts };
      }
      if (learnt.kind === "indistinct") {
        findings.push({
          id: "check-path-indistinct",
          summary: `${displayUrl(new URL(t.checkPath!, where))} answered alike signed in and anonymous (${learnt.detail}): it cannot show whether a session survives; give a page that only a signed-in user sees, or --signed-in-text`,
          data: { status: learnt.status },
        });
        return partial();
      }

      // Visit first, as a browser does: a session the app starts for anonymous visitors should change at sign-in.
      const jar = newJar(t);
      await client.fetch(check, { jar });
      const beforeLogin = new Map(jar.names().map((n) => [n, jar.get(n)]));
      const login = await obtainSession(client, base, t, jar);
      const other = newJar(t);
      const otherLogin = await obtainSession(client, base, t, other);
      const failed = loginProblem(login);
      if (failed) {
        findings.push(failed);
        return partial();
      }
      const cached = cacheHit(login) ?? cacheHit(otherLogin);
      if (cached)
        findings.push({
          id: "cached-session-response",
          summary: `signing in at ${displayUrl(login.url)} was answered from a shared cache (${cached}): a cached Set-Cookie hands one visitor's session to others`,
          data: { header: cached.split(":")[0]! },
          anomaly: true,
        });
      const name = learnt.name;
      const value = jar.get(name);
      // Handed on now and added to as further visitors sign in: redis.lookup reads it once this probe is done.
      const balancerSessions: NodeSession[] = value === undefined ? [] : [{ node: target, name, value }];
      ctx.handoff.set("balancer-sessions", balancerSessions);
      findings.push({
        id: "session-cookie",
        summary: `the session cookie is ${name} (${HOW[learnt.how]})`,
        data: { name, how: learnt.how, bytes: name.length + (value?.length ?? 0) },
      });
      findings.push(...cookieFindings(jar, name, facts));
      const rotatedAtLogin = beforeLogin.has(name) && beforeLogin.get(name) !== value;
      if (value === undefined && discardedDuringSignIn(jar, name)) {
        // Set at sign-in, then deleted by a later answer of the same sign-in (a redirect that reached a node that did
        // not know the session): lost before the first request, which is continuity failing, not a cookie rule.
        facts["session-continuity"] = "lost";
        findings.push({
          id: "session-lost",
          summary: `the session ${name} set at sign-in through ${displayUrl(login.url)} was discarded by the app within the sign-in's own redirects: the answer that followed came from a backend that did not know it`,
          data: { requests: 1, anonymous: 1, replaced: 0, backends: 0, duringSignIn: true },
          anomaly: true,
        });
        return { status: "ok", target, findings, facts };
      }
      if (value === undefined) {
        const issued = [...new Set(jar.seen.map((s) => s.cookie.name))];
        // Learnt where the app set it, yet not set through the balancer: withheld behind the proxy, or stripped by it.
        if (!issued.includes(name)) facts["session-cookie-set"] = "no";
        findings.push({
          id: "no-session",
          summary: `${login.status} from ${displayUrl(login.url)}: ${issued.includes(name) ? `browsers would not keep the session cookie ${name}` : `no ${name} cookie was set through the balancer`}`,
          data: { status: login.status },
        });
        return { status: facts["cookie-sent"] === "no" ? "ok" : "partial", target, findings, facts };
      }
      // A cookie that carries the session itself is the same for two visitors with the same data signed in the same
      // second (Flask, Django's signed cookies); only an id that two visitors share means a shared session. A third
      // visitor a second later tells them apart whatever the cookie looks like: a timestamped payload changes, an id
      // handed to everyone (a cached sign-in) does not.
      const shared =
        other.get(name) === value &&
        !carriesSession(value) &&
        (await sameForLaterVisitor(client, base, t, name, value, ctx.signal));
      if (shared)
        findings.push({
          id: "shared-session-id",
          summary: `two independent visitors signing in at ${displayUrl(login.url)} received the same ${name}${cached ? ` (answered from a shared cache: ${cached})` : ""}: one user's session is handed to another`,
          data: { cached: Boolean(cached) },
          anomaly: true,
        });
      const setsSession = login.setCookies.some((c) => c.startsWith(`${name}=`));
      const cacheable = setsSession ? cacheableBySharedCache(login) : undefined;
      if (cacheable && !cached && !shared)
        findings.push({
          id: "session-response-cacheable",
          summary: `the answer of ${displayUrl(login.url)} that sets ${name} ${cacheable.explicit ? `invites shared caches to store it (${cacheable.reason})` : `does not forbid shared caches to store it (${cacheable.reason})`}: a CDN or proxy that caches it hands this session to the next visitor`,
          data: { explicit: cacheable.explicit },
          ...(cacheable.explicit ? { anomaly: true } : {}),
        });

      const requests = Number(ctx.params.requests ?? DEFAULT_REQUESTS);
      const backendOf = await backendReader(client, t, learnt.nodeCookies);
      if (backendOf.header)
        findings.push({
          id: "backend-header",
          summary: `backends told apart by the ${backendOf.header} header`,
          data: { header: backendOf.header },
        });
      const originSeen = backendOf.read(login, jar);
      const tally = {
        signedIn: 0,
        anonymous: 0,
        errors: [] as string[],
        cached: [] as string[],
        cachedAnonymous: 0,
        replaced: 0,
      };
      const seen: Array<{ anonymous: boolean; error: boolean } & BackendSeen> = [];
      const affinity: string[] = [];
      for (let i = 0; i < requests; i++) {
        const before = jar.get(name);
        const res = await client.fetch(check, { jar });
        const reading = readAnswer(res, baseline, t.signedInText);
        const hit = cacheHit(res);
        // A cached answer is the cache's, not the app's: it says nothing of the session or of which backend answers.
        if (reading === "error") tally.errors.push(proxyError(res) ?? String(res.status));
        else if (hit) {
          tally.cached.push(hit);
          if (reading === "anonymous") tally.cachedAnonymous++;
        } else if (reading === "anonymous") tally.anonymous++;
        else tally.signedIn++;
        if (jar.get(name) !== before) tally.replaced++;
        const backend = backendOf.read(res, jar);
        if (!hit) seen.push({ anonymous: reading === "anonymous", error: reading === "error", ...backend });
        if (backendOf.affinityCookie) affinity.push(jar.get(backendOf.affinityCookie) ?? "");
      }
      // Only answers the balancer passed on from a backend re-issue its cookie: a cache's or a proxy's error keeps it.
      const reissued = reissuedEveryAnswer(
        [originSeen, ...seen.filter((b) => !b.error)].map((b) => b.cookie ?? ""),
        t.nodes.length,
      );
      const backendOfSeen = (b: BackendSeen) => b.header ?? (reissued ? undefined : b.cookie);
      const origin = backendOfSeen(originSeen);
      const backends = seen.flatMap((b) => backendOfSeen(b) ?? []);
      const lostAtOrigin = seen.filter((b) => b.anonymous && origin && backendOfSeen(b) === origin).length;
      // Lost only away from the backend that answered the sign-in, each loss told by the same means as the sign-in's
      // backend (a header missing from some answers would mix a header's name with a cookie's label).
      const by = (b: BackendSeen) => (b.header ? "header" : !reissued && b.cookie ? "cookie" : undefined);
      /** The second visitor and a few more, each its own user: losses away from each one's own sign-in backend. */
      async function followFurtherVisitors() {
        const r = { ...NOT_FOLLOWED, movedOffOrigin: true };
        const visitors = Number(ctx.params.visitors ?? FURTHER_VISITORS);
        for (let v = 0; v < visitors && !ctx.signal.aborted; v++) {
          const visitor = v === 0 ? other : newJar(t);
          const signIn = v === 0 ? otherLogin : await obtainSession(client, base, t, visitor);
          // A refused or throttled sign-in (many in a few seconds) may still set an anonymous cookie: not a session.
          const session = visitor.get(name);
          if (signIn.status >= 400 || loginProblem(signIn) || session === undefined) continue;
          balancerSessions.push({ node: target, name, value: session });
          const signedInAt = backendOf.read(signIn, visitor);
          const home = backendOfSeen(signedInAt);
          let lostHere = 0;
          let read = 0;
          const reached = new Set<string>();
          for (let i = 0; i < FURTHER_REQUESTS; i++) {
            const res = await client.fetch(check, { jar: visitor });
            const reading = readAnswer(res, baseline, t.signedInText);
            r.sent++;
            // A cache's answer or a proxy's error says nothing of this visitor's session, and is reported as the
            // first visitor's are.
            const hit = cacheHit(res);
            if (reading === "error") tally.errors.push(proxyError(res) ?? String(res.status));
            else if (hit) {
              tally.cached.push(hit);
              if (reading === "anonymous") tally.cachedAnonymous++;
            }
            if (reading === "error" || hit) continue;
            const at = backendOf.read(res, visitor);
            const backend = backendOfSeen(at);
            if (backend !== undefined) reached.add(backend);
            read++;
            r.requests++;
            if (reading === "signed-in") {
              r.signedIn++;
              continue;
            }
            r.anonymous++;
            lostHere++;
            if (home !== undefined && backend === home) r.lostAtOrigin++;
            if (home === undefined || by(at) !== by(signedInAt) || backend === home) r.movedOffOrigin = false;
          }
          // A visitor none of whose answers could be read (proxy errors, cached pages) kept nothing anyone saw.
          if (read === 0) continue;
          r.visitors++;
          if (lostHere) r.visitorsLost++;
          // How many backends one visitor's requests reached, as for the first: users spread over backends is no news.
          r.backends = Math.max(r.backends, reached.size);
        }
        return { ...r, movedOffOrigin: r.anonymous > 0 && r.movedOffOrigin };
      }
      const lost = seen.filter((b) => b.anonymous);
      const movedOffOrigin =
        origin !== undefined &&
        lost.length > 0 &&
        lost.every((b) => by(b) === by(originSeen) && backendOfSeen(b) !== origin);
      const distinct = [...new Set(backends)];
      // The affinity cookie as the first visitor saw it: a cookie only a later visitor got (a CDN's, another app
      // version's) is not the balancer's, and must not be read as affinity that broke.
      const affinityCookie = backendOf.affinityCookie;
      const further =
        tally.anonymous === 0 && tally.signedIn > 0 && !shared ? await followFurtherVisitors() : NOT_FOLLOWED;

      const sent = requests + further.sent;
      if (tally.errors.length)
        findings.push({
          id: "proxy-error",
          summary: `${tally.errors.length} of ${sent} requests to ${displayUrl(check)} were answered by a proxy, not the app (${[...new Set(tally.errors)].join(", ")})`,
          data: {
            errors: tally.errors.length,
            requests: sent,
            headerErrors: tally.errors.filter(isHeaderRefusal).length,
          },
          anomaly: true,
        });
      if (tally.cached.length)
        findings.push({
          id: "cached-session-response",
          summary: tally.cachedAnonymous
            ? `${tally.cached.length} answers of ${displayUrl(check)} with a valid session came from a shared cache (${tally.cached[0]}), ${tally.cachedAnonymous} of them the cached anonymous page: the cache answers signed-in users with whatever it stored first`
            : `${tally.cached.length} answers of ${displayUrl(check)} with a valid session came from a shared cache (${tally.cached[0]}): a page for one user is served to whoever asks next`,
          data: { header: tally.cached[0]!.split(":")[0]! },
          anomaly: true,
        });
      findings.push(
        ...affinityFindings(
          { cookie: affinityCookie, values: affinity, reissued, header: backendOf.header },
          distinct,
          requests,
          t.nodes.length,
          facts,
        ),
      );
      // Answers that were all proxy errors or cached pages say nothing of whether the session holds.
      if (tally.signedIn + tally.anonymous > 0)
        findings.push(
          continuityFinding(
            {
              requests: requests + further.requests,
              signedIn: tally.signedIn + further.signedIn,
              anonymous: tally.anonymous + further.anonymous,
              replaced: tally.replaced,
              backends: Math.max(distinct.length, further.backends),
              check: displayUrl(check),
              lostAtOrigin: lostAtOrigin + further.lostAtOrigin,
              movedOffOrigin: movedOffOrigin || further.movedOffOrigin,
              rotatedAtLogin,
              visitors: further.visitors ? { lost: further.visitorsLost, of: further.visitors + 1 } : undefined,
            },
            facts,
          ),
        );
      facts["session-cached"] = shared || cached || tally.cached.length ? "yes" : "no";
      if (!shared && !cached && !tally.cached.length)
        findings.push({
          id: "visitors-distinct",
          summary: `two independent visitors received different sessions, and none of ${requests + 2} answers came from a shared cache`,
        });
      if (tally.replaced === requests && requests > 1)
        findings.push({
          id: "id-rotates",
          summary: `the server replaced ${name} on every one of ${requests} requests: parallel requests (tabs, XHR) race with each rotation and lose the session`,
          data: { replaced: tally.replaced, requests, lost: tally.anonymous },
        });
      return { status: "ok", target, findings, facts };
    } catch (err) {
      return failedOutcome(err, target);
    } finally {
      await client.close();
    }
  },
};

/** The cookie was set with a value and afterwards deleted (set empty, or Max-Age=0) by the server. */
function discardedDuringSignIn(jar: CookieJar, name: string): boolean {
  const seen = jar.seen.filter((s) => s.cookie.name === name);
  const set = seen.findIndex((s) => s.cookie.value !== "" && !s.problems.some((p) => p.dropped));
  return set >= 0 && seen.slice(set + 1).some((s) => deletes(s.cookie));
}

const HOW = {
  configured: "as configured",
  "only-cookie": "the only cookie signing in set",
  "known-name": "a well-known session cookie name",
  tested: "leaving it out turns the signed-in answer anonymous",
} as const;

function loginProblem(res: HttpResponse): Finding | undefined {
  const proxy = proxyError(res);
  if (proxy)
    return {
      id: "proxy-error",
      summary: `signing in at ${displayUrl(res.url)} was answered by a proxy, not the app (${proxy})`,
      data: { status: res.status, headerErrors: isHeaderRefusal(proxy) ? 1 : 0 },
      anomaly: true,
    };
  if (res.status >= 500)
    return {
      id: "login-failed",
      summary: `${displayUrl(res.url)} answered ${res.status}: the app could not create a session; its logs say why`,
      data: { status: res.status },
      anomaly: true,
    };
  return undefined;
}

type Learnt =
  | { kind: "error"; finding: Finding }
  | { kind: "no-cookie"; finding: Finding }
  | { kind: "dropped"; name: string; jar: CookieJar }
  | { kind: "indistinct"; detail: string; status: number }
  | {
      kind: "ok";
      name: string;
      how: "configured" | "only-cookie" | "known-name" | "tested";
      /** Cookie names the app itself sets (as opposed to a balancer in front). */
      nodeCookies: Set<string>;
    };

/**
 * Signs in on `base` and checks that the check path answers differently with the session than without (a few
 * tries, as a node may keep sessions per worker); then finds the session cookie among those signing in set.
 */
async function learnSession(client: HttpClient, base: string, t: Targets): Promise<Learnt> {
  const check = new URL(t.checkPath!, base);
  const baseline = baselineOf(await client.fetch(check), await client.fetch(check));
  const jar = newJar(t);
  const login = await obtainSession(client, base, t, jar);
  const failed = loginProblem(login);
  if (failed) return { kind: "error", finding: failed };
  let signedIn: HttpResponse | undefined;
  let last: HttpResponse | undefined;
  for (let i = 0; i < VALIDATION_TRIES && !signedIn; i++) {
    last = await client.fetch(check, { jar });
    if (readAnswer(last, baseline, t.signedInText) === "signed-in") signedIn = last;
  }
  if (!signedIn) {
    const dropped = droppedSessionCookie(jar);
    if (dropped) return { kind: "dropped", name: dropped, jar };
    const set = jar.names().filter((n) => !recogniseAffinity(n, jar.get(n)!));
    if (set.length === 0)
      return {
        kind: "no-cookie",
        finding: {
          id: "no-session",
          summary: `${login.status} from ${displayUrl(login.url)}: signing in set no session cookie${jar.names().length ? ` (other cookies: ${jar.names().join(", ")})` : ""}`,
          data: { status: login.status },
        },
      };
    const detail = baseline.compareBody
      ? `status ${last!.status} both ways`
      : `status ${last!.status} both ways, and its anonymous body changes on every request`;
    return { kind: "indistinct", detail, status: last!.status };
  }
  const leftOut = async (name: string) => {
    const res = await client.fetch(check, { headers: { cookie: cookieHeaderWithout(jar, check, name) } });
    return readAnswer(res, baseline, t.signedInText) === "anonymous";
  };
  const session = await inferSessionCookie(jar, t, leftOut);
  if (!session)
    return {
      kind: "error",
      finding: {
        id: "no-session",
        summary: `signing in at ${displayUrl(login.url)} set no cookie that carries the session (cookies: ${jar.names().join(", ") || "none"})`,
        data: { status: login.status },
      },
    };
  return { kind: "ok", name: session.name, how: session.how, nodeCookies: new Set(jar.names()) };
}

/** Which backend answered, as a configured or discovered header names it, and as a short label of the affinity cookie. */
type BackendSeen = { header?: string; cookie?: string };

/**
 * How to tell which backend answered: a configured header, a header that differs between the nodes, or an affinity
 * cookie the balancer sets (recognised by name, or because the nodes themselves never set it). Cookie values are
 * never shown: each distinct value becomes a short label.
 */
async function backendReader(client: HttpClient, t: Targets, nodeCookies: Set<string>) {
  const discovered = t.backendHeader ? undefined : await distinguishingHeader(client, t.nodes, t.checkPath!);
  const header = t.backendHeader?.toLowerCase() ?? discovered?.header;
  const labels = new Map<string, string>();
  const label = (value: string) => {
    if (!labels.has(value)) labels.set(value, `backend ${labels.size + 1}`);
    return labels.get(value)!;
  };
  const state = {
    header,
    affinityCookie: undefined as string | undefined,
    read(res: HttpResponse, jar: CookieJar): BackendSeen {
      const names = jar.names();
      state.affinityCookie ??= names.find(
        (n) => recogniseAffinity(n, jar.get(n)!) || (nodeCookies.size > 0 && t.nodes.length > 0 && !nodeCookies.has(n)),
      );
      const value = state.affinityCookie ? jar.get(state.affinityCookie) : undefined;
      return {
        ...(header && res.headers[header]
          ? { header: discovered?.node.get(res.headers[header]) ?? res.headers[header] }
          : {}),
        ...(value ? { cookie: label(value) } : {}),
      };
    },
  };
  return state;
}

function affinityFindings(
  affinity: { cookie?: string; values: string[]; reissued: boolean; header?: string },
  distinct: string[],
  requests: number,
  nodes: number,
  facts: Record<string, FactValue>,
): Finding[] {
  const { cookie, values } = affinity;
  facts["affinity-cookie"] = cookie ? "yes" : "no";
  if (!cookie) {
    if (distinct.length > 1) facts["lb-sticky"] = "no";
    const seen = distinct.length ? `; ${requests} requests were served by ${distinct.length} backend(s)` : "";
    const findings: Finding[] = [
      { id: "no-affinity", summary: `no load-balancer affinity cookie${seen}`, data: { backends: distinct.length } },
    ];
    if (distinct.length === 1 && nodes > 1)
      findings.push({
        id: "one-backend",
        summary: `with no affinity cookie, all ${requests} requests reached the same one of ${nodes} backends: the balancer pins by something else (the client's address, a hash) or sends everything to one node`,
        data: { nodes },
      });
    return findings;
  }
  const product = recogniseAffinity(cookie, values[0] ?? "")?.product ?? "balancer";
  const reissued = affinity.reissued
    ? `the ${product} affinity cookie ${cookie} took a new value on every one of ${requests} answers, a token re-issued each time rather than a backend's name`
    : undefined;
  // With nothing else naming the backend, the cookie says neither that users stay nor that they move (a pool of many
  // more backends than the nodes given, moving users every time, would look the same).
  if (reissued && distinct.length === 0)
    return [
      {
        id: "affinity-reissued",
        summary: `${reissued}: it does not tell whether users stay on one backend (${affinity.header ? `the ${affinity.header} header came on none of the answers` : "give --backend-header if the backends name themselves"})`,
        data: { values: new Set(values).size },
      },
    ];
  facts["lb-sticky"] = "yes";
  const holds = reissued
    ? distinct.length === 1
    : new Set(values).size === 1 && values.length === requests && distinct.length <= 1;
  facts["affinity-holds"] = holds ? "yes" : "no";
  const told = reissued
    ? `${reissued}; the ${affinity.header} header shows ${distinct.length} backend(s) over ${requests} requests`
    : undefined;
  return [
    {
      id: holds ? "affinity-holds" : "affinity-breaks",
      summary:
        told ??
        (holds
          ? `the ${product} affinity cookie ${cookie} kept every one of ${requests} requests on one backend`
          : `the ${product} affinity cookie ${cookie} did not hold: ${new Set(values).size} values, ${distinct.length} backends over ${requests} requests`),
      data: { values: new Set(values).size, backends: distinct.length },
    },
  ];
}

function continuityFinding(
  r: {
    requests: number;
    signedIn: number;
    anonymous: number;
    replaced: number;
    /** The most backends one visitor's requests reached. */
    backends: number;
    check: string;
    lostAtOrigin: number;
    movedOffOrigin: boolean;
    rotatedAtLogin: boolean;
    /** The visitors followed beyond the first, when the first kept its session: how many, and how many lost theirs. */
    visitors?: { lost: number; of: number };
  },
  facts: Record<string, FactValue>,
): Finding {
  const where = r.backends ? ` (${r.backends} backend${r.backends === 1 ? "" : "s"})` : "";
  const whose = r.visitors?.lost
    ? `; ${r.visitors.lost} of the ${r.visitors.of} visitors followed lost theirs, the others kept it`
    : "";
  const data = {
    requests: r.requests,
    anonymous: r.anonymous,
    replaced: r.replaced,
    backends: r.backends,
    rotatedAtLogin: r.rotatedAtLogin,
  };
  if (r.anonymous === 0) {
    if (r.signedIn > 0) facts["session-continuity"] = "holds";
    return {
      id: "session-holds",
      summary: `all ${r.signedIn} answers of ${r.check} with the session were signed in${where}${r.visitors ? `, for each of the ${r.visitors.of} visitors followed` : ""}${r.rotatedAtLogin ? ", after signing in replaced the visitor's session id" : ""}`,
      data,
    };
  }
  facts["session-continuity"] = "lost";
  if (r.lostAtOrigin > 0)
    return {
      id: "session-not-kept",
      summary: `${r.anonymous} of ${r.requests} requests to ${r.check} with a valid session came back anonymous, ${r.lostAtOrigin} of them from the backend that created it: the session was not kept (not saved, expired at once, or kept per worker process)${whose}`,
      data,
      anomaly: true,
    };
  return {
    id: "session-lost",
    summary: `${r.anonymous} of ${r.requests} requests to ${r.check} with a valid session came back anonymous${where}${r.movedOffOrigin ? ", none of them from the backend that answered the sign-in" : ""}${whose}`,
    data: { ...data, movedOffOrigin: r.movedOffOrigin },
    anomaly: true,
  };
}

/** Whether a visitor signing in a second after the others still receives the same session cookie value. */
async function sameForLaterVisitor(
  client: ReturnType<typeof httpClient>,
  base: string,
  t: Targets,
  name: string,
  value: string,
  signal: AbortSignal,
): Promise<boolean> {
  await new Promise((resolve) => setTimeout(resolve, LATER_VISITOR_MS).unref());
  if (signal.aborted) return true;
  const third = newJar(t);
  await obtainSession(client, base, t, third);
  return third.get(name) === value;
}
