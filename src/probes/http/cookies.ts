import { parseString } from "set-cookie-parser";

export type SetCookie = {
  name: string;
  value: string;
  /** Bytes of name and value, the size browsers limit. */
  size: number;
  domain?: string;
  path?: string;
  expires?: Date;
  maxAge?: number;
  secure: boolean;
  httpOnly: boolean;
  sameSite?: string;
};

export type CookieRule =
  | "too-large"
  | "secure-over-http"
  | "samesite-none-without-secure"
  | "domain-mismatch"
  | "secure-prefix"
  | "host-prefix"
  | "expired-on-arrival"
  | "path-excludes-app"
  | "lifetime-capped"
  | "missing-httponly"
  | "missing-secure-on-https";

/** A browser rule a Set-Cookie breaks; `dropped` when browsers refuse or lose the cookie because of it. */
export type CookieProblem = { rule: CookieRule; dropped: boolean; detail: string };

const MAX_SIZE = 4096;
const MAX_LIFETIME_DAYS = 400;

/** One Set-Cookie header value → its cookie, values kept as sent (not URL-decoded). */
export function parseSetCookie(raw: string): SetCookie | undefined {
  const c = parseString(raw, { decodeValues: false });
  if (!c?.name) return undefined;
  return {
    name: c.name,
    value: c.value,
    size: Buffer.byteLength(c.name) + Buffer.byteLength(c.value),
    domain: c.domain || undefined,
    path: c.path || undefined,
    expires: c.expires && !Number.isNaN(c.expires.getTime()) ? c.expires : undefined,
    maxAge: c.maxAge,
    secure: Boolean(c.secure),
    httpOnly: Boolean(c.httpOnly),
    sameSite: c.sameSite,
  };
}

/** Whether `host` domain-matches `domain` (RFC 6265 §5.1.3). */
export function domainMatches(host: string, domain: string): boolean {
  const h = host.toLowerCase();
  const d = domain.toLowerCase().replace(/^\./, "");
  return h === d || (h.endsWith(`.${d}`) && !/^[\d.]+$/.test(h));
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith("/") || requestPath[cookiePath.length] === "/";
}

/** The cookie's lifetime in seconds as a browser computes it (Max-Age wins), on the server's clock when known. */
export function lifetimeSeconds(c: SetCookie, serverDate?: Date): number | undefined {
  if (c.maxAge !== undefined) return c.maxAge;
  if (c.expires) return (c.expires.getTime() - (serverDate?.getTime() ?? Date.now())) / 1000;
  return undefined;
}

/**
 * How browsers (RFC 6265bis, as Chromium and Firefox apply it) treat this Set-Cookie received from `url`.
 * `appPath` is a path the app needs the cookie on; `session` marks the session cookie, for the HttpOnly advice.
 */
export function cookieProblems(
  c: SetCookie,
  url: URL,
  opts: { serverDate?: Date; appPath?: string; session?: boolean } = {},
): CookieProblem[] {
  const problems: CookieProblem[] = [];
  const https = url.protocol === "https:";
  if (c.size > MAX_SIZE)
    problems.push({
      rule: "too-large",
      dropped: true,
      detail: `${c.size} bytes of name and value: browsers ignore cookies over ${MAX_SIZE}`,
    });
  if (c.secure && !https) {
    problems.push({
      rule: "secure-over-http",
      dropped: true,
      detail:
        "Secure, but set over http://: browsers drop it (behind TLS offloading the app must trust X-Forwarded-Proto)",
    });
  }
  if (c.sameSite?.toLowerCase() === "none" && !c.secure)
    problems.push({
      rule: "samesite-none-without-secure",
      dropped: true,
      detail: "SameSite=None without Secure: browsers reject it",
    });
  if (c.domain && !domainMatches(url.hostname, c.domain)) {
    problems.push({
      rule: "domain-mismatch",
      dropped: true,
      detail: `Domain=${c.domain} does not domain-match ${url.hostname}: browsers reject it`,
    });
  }
  if (c.name.startsWith("__Secure-") && (!c.secure || !https))
    problems.push({
      rule: "secure-prefix",
      dropped: true,
      detail: "__Secure- cookies need Secure and an https:// origin",
    });
  if (c.name.startsWith("__Host-") && (!c.secure || !https || c.domain !== undefined || c.path !== "/")) {
    problems.push({
      rule: "host-prefix",
      dropped: true,
      detail: "__Host- cookies need Secure, an https:// origin, no Domain and Path=/",
    });
  }
  const life = lifetimeSeconds(c, opts.serverDate);
  if (life !== undefined && life <= 0 && c.value !== "") {
    const by =
      c.maxAge !== undefined
        ? `Max-Age=${c.maxAge}`
        : `Expires ${c.expires!.toUTCString()} is before the server's own Date ${opts.serverDate?.toUTCString() ?? "(now)"}`;
    problems.push({ rule: "expired-on-arrival", dropped: true, detail: `${by}: it expires on arrival` });
  }
  if (opts.appPath && !pathMatches(opts.appPath, c.path ?? defaultPath(url.pathname))) {
    problems.push({
      rule: "path-excludes-app",
      dropped: true,
      detail: `Path=${c.path ?? defaultPath(url.pathname)} does not cover ${opts.appPath}: it is not sent there`,
    });
  }
  if (life !== undefined && life > MAX_LIFETIME_DAYS * 86400) {
    problems.push({
      rule: "lifetime-capped",
      dropped: false,
      detail: `a lifetime of ${Math.round(life / 86400)} days: browsers cap it at ${MAX_LIFETIME_DAYS}`,
    });
  }
  if (opts.session && !c.httpOnly)
    problems.push({
      rule: "missing-httponly",
      dropped: false,
      detail: "no HttpOnly on the session cookie: scripts can read it",
    });
  if (opts.session && https && !c.secure)
    problems.push({
      rule: "missing-secure-on-https",
      dropped: false,
      detail: "no Secure on a session cookie served over https://",
    });
  return problems;
}

/** RFC 6265 default-path: the request path up to its last slash. */
function defaultPath(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

type Stored = SetCookie & { hostOnly: boolean; host: string; expiresAt?: number };

/** A browser-like cookie jar: stores what browsers would store, sends what they would send. */
export class CookieJar {
  private cookies: Stored[] = [];
  /** Every Set-Cookie seen, with the problems it had, in order. */
  readonly seen: Array<{ cookie: SetCookie; url: URL; problems: CookieProblem[]; serverDate?: Date }> = [];

  constructor(private readonly opts: { appPath?: string; isSession?: (name: string) => boolean } = {}) {}

  store(headers: string[], url: URL, dateHeader?: string): void {
    const serverDate = dateHeader ? new Date(dateHeader) : undefined;
    for (const raw of headers) {
      const cookie = parseSetCookie(raw);
      if (!cookie) continue;
      const problems = cookieProblems(cookie, url, {
        serverDate,
        appPath: this.opts.appPath,
        session: this.opts.isSession?.(cookie.name),
      });
      this.seen.push({ cookie, url, problems, serverDate });
      const domain = cookie.domain?.replace(/^\./, "").toLowerCase();
      const path = cookie.path ?? defaultPath(url.pathname);
      this.cookies = this.cookies.filter(
        (c) => !(c.name === cookie.name && c.path === path && (c.domain ?? c.host) === (domain ?? url.hostname)),
      );
      const lost = problems.some((p) => p.dropped && p.rule !== "path-excludes-app");
      if (lost) continue;
      const life = lifetimeSeconds(cookie, serverDate);
      this.cookies.push({
        ...cookie,
        domain,
        path,
        hostOnly: !domain,
        host: url.hostname,
        expiresAt: life === undefined ? undefined : Date.now() + life * 1000,
      });
    }
  }

  header(url: URL): string {
    const now = Date.now();
    return this.cookies
      .filter(
        (c) =>
          (c.expiresAt === undefined || c.expiresAt > now) &&
          (c.hostOnly ? c.host === url.hostname : domainMatches(url.hostname, c.domain!)),
      )
      .filter((c) => pathMatches(url.pathname, c.path!) && (!c.secure || url.protocol === "https:"))
      .map((c) => `${c.name}=${c.value}`)
      .join("; ");
  }

  get(name: string): string | undefined {
    return this.cookies.find((c) => c.name === name)?.value;
  }

  names(): string[] {
    return this.cookies.map((c) => c.name);
  }
}
