import { createHash } from "node:crypto";
import type { ProbeContext, Targets } from "../types.js";
import { DEFAULT_HTTP_LIMITS, HttpClient, type HttpLimits, type HttpResponse } from "./client.js";
import { CookieJar } from "./cookies.js";
import { isSessionCookie } from "./names.js";
import { createPolicy } from "./policy.js";

/** The probe's HTTP client: the targets' allowlist, or the hosts of --url and --node when none is configured. */
export function httpClient(ctx: ProbeContext): HttpClient {
  const t = ctx.targets;
  const entries =
    t.allowlist ?? [t.url, ...t.nodes].filter((u): u is string => Boolean(u)).map((u) => new URL(u).hostname);
  const limits: HttpLimits = { ...DEFAULT_HTTP_LIMITS };
  for (const key of Object.keys(limits) as Array<keyof HttpLimits>)
    if (typeof ctx.params[key] === "number") limits[key] = ctx.params[key] as number;
  return new HttpClient(createPolicy(entries), limits, ctx.signal);
}

export function newJar(targets: Targets): CookieJar {
  return new CookieJar({
    appPath: targets.checkPath,
    isSession: (name) => isSessionCookie(name, targets.sessionCookie),
  });
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

/** What an answer looks like, for telling "with a session" from "anonymous". */
export type Fingerprint = { status: number; location?: string; body: string };

export function fingerprint(res: HttpResponse): Fingerprint {
  const location = res.redirects.length ? res.url.pathname : res.headers.location;
  return { status: res.status, location, body: createHash("sha256").update(res.body).digest("hex").slice(0, 16) };
}

/** Two anonymous answers tell whether the body is stable enough to compare; the status and redirect always are. */
export function sameAnswer(a: Fingerprint, b: Fingerprint, compareBody: boolean): boolean {
  return a.status === b.status && a.location === b.location && (!compareBody || a.body === b.body);
}

export function sessionCookieOf(jar: CookieJar, targets: Targets): { name: string; value: string } | undefined {
  const name = jar.names().find((n) => isSessionCookie(n, targets.sessionCookie));
  return name ? { name, value: jar.get(name)! } : undefined;
}

/** Headers that differ between any two requests, whichever node answers them. */
const VOLATILE =
  /^(date|age|etag|last-modified|expires|content-length|set-cookie|keep-alive|connection|transfer-encoding|x-request-id|x-correlation-id|request-id|traceparent|tracestate|x-amzn-trace-id|x-amz-cf-id|cf-ray|x-runtime|x-response-time|server-timing)$/i;

/**
 * Tells backends apart by elimination, when no affinity cookie or configured header names them: a response
 * header that is stable on each node (asked twice) and different between the nodes (X-Served-By, X-Hostname …).
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
  const names = Object.keys(answers[0]![0].headers).filter((h) => !VOLATILE.test(h));
  for (const header of names) {
    const values = answers.map(([a, b]) => (a.headers[header] === b.headers[header] ? a.headers[header] : undefined));
    if (values.every((v) => v !== undefined) && new Set(values).size === nodes.length) {
      return { header, node: new Map(values.map((v, i) => [v!, new URL(nodes[i]!).host])) };
    }
  }
  return undefined;
}
