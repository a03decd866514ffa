import { createHash } from "node:crypto";
import type { Targets } from "../../model/targets.js";
import type { ProbeContext } from "../types.js";
import { DEFAULT_HTTP_LIMITS, HttpClient, type HttpLimits, type HttpResponse } from "./client.js";
import { CookieJar, deletes } from "./cookies.js";
import { headerRefusal } from "./header-size.js";
import { KNOWN_SESSION_COOKIES, recogniseAffinity } from "./names.js";
import { createPolicy } from "./policy.js";

/**
 * The probe's HTTP client: the targets' allowlist, or the hosts of --url and --node when none is configured; with
 * `freshConnections`, a new connection for every request.
 */
export function httpClient(ctx: ProbeContext, freshConnections = false): HttpClient {
  const t = ctx.targets;
  const entries =
    t.allowlist ?? [t.url, ...t.nodes].filter((u): u is string => Boolean(u)).map((u) => new URL(u).hostname);
  const limits: HttpLimits = { ...DEFAULT_HTTP_LIMITS };
  for (const key of Object.keys(limits) as Array<keyof HttpLimits>)
    if (typeof ctx.params[key] === "number") limits[key] = ctx.params[key] as number;
  return new HttpClient(createPolicy(entries), limits, ctx.signal, freshConnections);
}

export function newJar(targets: Targets, isSession?: (name: string) => boolean): CookieJar {
  return new CookieJar({ appPath: targets.checkPath, isSession: isSession ?? (() => false) });
}

/** `${VAR}` and `$VAR` in login values come from the environment, so credentials never pass through chat. */
function fromEnv(value: string): string {
  return value.replace(
    /\$\{(\w+)\}|\$(\w+)/g,
    (_, a: string | undefined, b: string | undefined) => process.env[(a ?? b)!] ?? "",
  );
}

/** Obtains a session on `base`: the configured login request, else GET of the session path. */
export async function obtainSession(
  client: HttpClient,
  base: string,
  targets: Targets,
  jar: CookieJar,
): Promise<HttpResponse> {
  if (targets.login) {
    const { method, path, form, json } = targets.login;
    const url = new URL(path, base);
    if (json) {
      const body = JSON.stringify(Object.fromEntries(Object.entries(json).map(([k, v]) => [k, fromEnv(v)])));
      return client.fetch(url, { method, body, headers: { "content-type": "application/json" }, jar });
    }
    const body = new URLSearchParams(Object.entries(form ?? {}).map(([k, v]) => [k, fromEnv(v)])).toString();
    return client.fetch(url, {
      method,
      body: method === "GET" ? undefined : body,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      jar,
    });
  }
  return client.fetch(new URL(targets.sessionPath!, base), { jar });
}

/**
 * Per-request noise in a page — CSRF tokens, nonces, ids, timestamps, dates — replaced before pages are compared,
 * so that two anonymous answers of a page with a CSRF token look alike and a signed-in one still looks different.
 */
const DATES_AND_IDS: RegExp[] = [
  /\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?\b/g,
  /\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT\b/g,
  /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi,
  /\b\d{6,}\b/g,
];
/** Random-looking runs: at least 16 characters of a token alphabet, with letters and digits mixed. */
const TOKEN = /[A-Za-z0-9_+/=-]{16,}/g;

function normalise(body: Buffer): string {
  let text = body.toString("utf8");
  for (const re of DATES_AND_IDS) text = text.replace(re, "~");
  text = text.replace(TOKEN, (m) => (/\d/.test(m) && /[A-Za-z]/.test(m) ? "~" : m));
  return text.replace(/\s+/g, " ");
}

/** What an answer looks like, for telling "with a session" from "anonymous". */
export type Fingerprint = { status: number; location?: string; body: string };

export function fingerprint(res: HttpResponse): Fingerprint {
  const location = res.redirects.length ? res.url.pathname : res.headers.location;
  return {
    status: res.status,
    location,
    body: createHash("sha256").update(normalise(res.body)).digest("hex").slice(0, 16),
  };
}

export function sameAnswer(a: Fingerprint, b: Fingerprint, compareBody: boolean): boolean {
  return a.status === b.status && a.location === b.location && (!compareBody || a.body === b.body);
}

/**
 * Answers that are not the application's own: a proxy or balancer error (header or cookie too large, bad gateway,
 * unavailable, timeout). They are never counted as signed in or anonymous.
 */
export function proxyError(res: HttpResponse): string | undefined {
  const refused = headerRefusal(res);
  if (refused) return refused;
  if ([502, 503, 504].includes(res.status)) return `${res.status}`;
  return undefined;
}

/** Of proxy errors as `proxyError` words them, those that refused a request for the size of its headers. */
export function isHeaderRefusal(error: string): boolean {
  return /^(400|413|431|494)\b/.test(error);
}

/** A shared cache answered (a CDN or caching proxy): the answer may be someone else's. */
export function cacheHit(res: HttpResponse): string | undefined {
  const h = res.headers;
  if (Number(h.age ?? 0) > 0) return `Age: ${h.age}`;
  for (const name of ["x-cache", "cf-cache-status", "x-cache-status", "x-proxy-cache", "x-varnish-cache"]) {
    if (/\bhit\b/i.test(h[name] ?? "")) return `${name}: ${h[name]}`;
  }
  return undefined;
}

/**
 * Whether a shared cache (CDN, caching proxy) may store this answer: `explicit` when it says so (public, s-maxage),
 * otherwise when nothing forbids it (no private, no-store or no-cache); undefined when it is kept private.
 */
export function cacheableBySharedCache(res: HttpResponse): { explicit: boolean; reason: string } | undefined {
  const cc = (res.headers["cache-control"] ?? "").toLowerCase();
  if (/\b(private|no-store|no-cache)\b/.test(cc)) return undefined;
  if (/\b(public|s-maxage)\b/.test(cc)) return { explicit: true, reason: `Cache-Control: ${cc}` };
  return { explicit: false, reason: cc ? `Cache-Control: ${cc}` : "no Cache-Control" };
}

/**
 * What the check path says anonymously, learnt from two answers: whether the body is stable enough to compare once
 * per-request noise is removed. Compared with a signed-in answer, it tells whether the page can tell them apart.
 */
export type Baseline = { anonymous: Fingerprint; compareBody: boolean };

export function baselineOf(a: HttpResponse, b: HttpResponse): Baseline {
  const anonymous = fingerprint(a);
  return { anonymous, compareBody: anonymous.body === fingerprint(b).body };
}

export type Reading = "signed-in" | "anonymous" | "error";

/** Reads one answer of the check path: the app's signed-in or anonymous answer, or not the app's answer at all. */
export function readAnswer(res: HttpResponse, baseline: Baseline, signedInText?: string): Reading {
  if (proxyError(res) || res.status >= 500) return "error";
  if (signedInText) return res.body.toString("utf8").includes(signedInText) ? "signed-in" : "anonymous";
  return sameAnswer(fingerprint(res), baseline.anonymous, baseline.compareBody) ? "anonymous" : "signed-in";
}

/**
 * The session cookie among the cookies a login set: the configured name; else the only candidate; else a well-known
 * session cookie name; else the one whose absence turns a signed-in answer anonymous (asked by leaving each out).
 * Affinity cookies are never candidates.
 */
export async function inferSessionCookie(
  jar: CookieJar,
  targets: Targets,
  test?: (without: string) => Promise<boolean>,
): Promise<{ name: string; value: string; how: "configured" | "only-cookie" | "known-name" | "tested" } | undefined> {
  const names = jar.names();
  const pick = (name: string | undefined, how: "configured" | "only-cookie" | "known-name" | "tested") =>
    name && jar.get(name) !== undefined ? { name, value: jar.get(name)!, how } : undefined;
  if (targets.sessionCookie)
    return pick(
      names.find((n) => n === targets.sessionCookie),
      "configured",
    );
  const candidates = names.filter((n) => !recogniseAffinity(n, jar.get(n)!));
  if (candidates.length === 1) return pick(candidates[0], "only-cookie");
  const known = candidates.filter((n) => KNOWN_SESSION_COOKIES.some((k) => k.test.test(n)));
  if (known.length === 1) return pick(known[0], "known-name");
  if (!test) return undefined;
  for (const name of known.length ? known : candidates) if (await test(name)) return pick(name, "tested");
  return undefined;
}

/**
 * When no signed-in answer is seen: the cookie browsers dropped that most likely carried the session (the only
 * dropped one, or a well-known session name among them). Then the drop is what went wrong, not the check path. A
 * cookie the app deleted (Django deletes the cookie of a session it cannot find) was not dropped by the browser.
 */
export function droppedSessionCookie(jar: CookieJar): string | undefined {
  const dropped = [
    ...new Set(
      jar.seen.filter((s) => !deletes(s.cookie) && s.problems.some((p) => p.dropped)).map((s) => s.cookie.name),
    ),
  ].filter((n) => !recogniseAffinity(n, ""));
  if (dropped.length === 1) return dropped[0];
  const known = dropped.filter((n) => KNOWN_SESSION_COOKIES.some((k) => k.test.test(n)));
  return known.length === 1 ? known[0] : undefined;
}

/** The Cookie header a browser would send, less one cookie. */
export function cookieHeaderWithout(jar: CookieJar, url: URL, name: string): string {
  return jar
    .header(url)
    .split(/;\s*/)
    .filter((pair) => pair && !pair.startsWith(`${name}=`))
    .join("; ");
}

/** Headers that differ between any two requests, whichever node answers them. */
const VOLATILE =
  /^(date|age|etag|last-modified|expires|content-length|set-cookie|keep-alive|connection|transfer-encoding|x-request-id|x-correlation-id|request-id|traceparent|tracestate|x-amzn-trace-id|x-amz-cf-id|cf-ray|x-runtime|x-response-time|server-timing)$/i;

/**
 * Tells backends apart by elimination, when no affinity cookie or configured header names them: a response header
 * that is stable on each node (asked twice) and different between the nodes (X-Served-By, X-Hostname …). A header
 * that repeats something of the request (PHP's built-in server echoes Host) names nothing and is never taken.
 */
export async function distinguishingHeader(
  client: HttpClient,
  nodes: string[],
  path: string,
): Promise<{ header: string; node: Map<string, string> } | undefined> {
  if (nodes.length < 2) return undefined;
  const answers = await Promise.all(
    nodes.map(
      async (n) =>
        [
          await client.fetch(new URL(path, n), { followRedirects: false }),
          await client.fetch(new URL(path, n), { followRedirects: false }),
        ] as const,
    ),
  );
  const echoes = (value: string, node: string) => {
    const url = new URL(node);
    return [url.host, url.hostname, url.origin, url.href].some((part) => value.includes(part));
  };
  const names = Object.keys(answers[0]![0].headers).filter((h) => !VOLATILE.test(h));
  for (const header of names) {
    const values = answers.map(([a, b]) => (a.headers[header] === b.headers[header] ? a.headers[header] : undefined));
    if (values.some((v, i) => v === undefined || echoes(v, nodes[i]!))) continue;
    if (new Set(values).size === nodes.length) {
      return { header, node: new Map(values.map((v, i) => [v!, new URL(nodes[i]!).host])) };
    }
  }
  return undefined;
}

/** A route suffix the node puts on its session ids (`<id>.<route>`, Tomcat's jvmRoute and its kin). */
export function routeSuffix(value: string): string | undefined {
  const m = /^[^.]{8,}\.([A-Za-z0-9_-]{1,32})$/.exec(decodeURIComponent(value));
  return m?.[1];
}

/**
 * Whether a cookie value carries a session itself (a client-side session) rather than naming one: a signed or
 * encrypted payload — a JWT, itsdangerous' `payload.timestamp.signature` (Flask, Django signed cookies), Rails'
 * `data--digest`, or a long encoded blob. An id, even a long one, is a single run of one alphabet.
 */
export function carriesSession(value: string): boolean {
  let v = value;
  try {
    v = decodeURIComponent(value);
  } catch {
    // keep it raw
  }
  if (/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/.test(v)) return true;
  if (/^\.?[\w-]{8,}\.[\w-]{4,}\.[\w-]{16,}$/.test(v)) return true;
  // Django's signing: payload:timestamp:signature, the payload starting with "." when compressed.
  if (/^\.?[\w-]{8,}:[\w-]{4,}:[\w-]{16,}$/.test(v)) return true;
  // A base64 JSON object (cookie-session, signed beside it in a cookie of its own).
  if (/^[A-Za-z0-9+/]{12,}={0,2}$/.test(v) && Buffer.from(v, "base64").toString("utf8").trimStart().startsWith("{"))
    return true;
  if (/^[A-Za-z0-9+/=]{16,}--[A-Za-z0-9+/=]{16,}(--[A-Za-z0-9+/=]+)?$/.test(v)) return true;
  return v.length >= 400;
}
