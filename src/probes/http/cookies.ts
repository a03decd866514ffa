import { isIP } from "node:net";
import { inspect } from "node:util";
import {
  canonicalDomain,
  Cookie,
  cookieCompare,
  CookieJar as ToughCookieJar,
  defaultPath,
  domainMatch,
  getPublicSuffix,
  MemoryCookieStore,
  pathMatch,
} from "tough-cookie";
import { displayUrl } from "./client.js";

export type SetCookie = {
  name: string;
  value: string;
  /** Bytes of name and value, the size browsers limit. */
  size: number;
  /** Lower-cased, without a leading dot. */
  domain?: string;
  path?: string;
  expires?: Date;
  maxAge?: number;
  secure: boolean;
  httpOnly: boolean;
  sameSite?: string;
  /** Attributes whose value is over 1024 bytes, which browsers ignore. */
  oversizedAttributes: string[];
};

export type CookieRule =
  | "too-large"
  | "attribute-too-large"
  | "secure-over-http"
  | "samesite-none-without-secure"
  | "domain-mismatch"
  | "domain-public-suffix"
  | "secure-prefix"
  | "host-prefix"
  | "refused"
  | "expired-on-arrival"
  | "path-excludes-app"
  | "lifetime-capped"
  | "missing-httponly"
  | "missing-secure-on-https"
  | "samesite-strict";

/** A browser rule a Set-Cookie breaks; `dropped` when browsers refuse or lose the cookie because of it. */
export type CookieProblem = { rule: CookieRule; dropped: boolean; detail: string };

const MAX_SIZE = 4096;
const MAX_ATTRIBUTE_SIZE = 1024;
const MAX_LIFETIME_DAYS = 400;

/**
 * Rules under which browsers refuse to store a cookie. The jar keeps such a cookie out of tough-cookie even where
 * tough-cookie would store it (it enforces neither the size limit nor SameSite=None's need for Secure). An expired
 * cookie still goes in, since it deletes the one it replaces; one whose Path misses the app is stored, only not sent
 * there.
 */
const REFUSED_ON_ARRIVAL: ReadonlySet<CookieRule> = new Set([
  "too-large",
  "secure-over-http",
  "samesite-none-without-secure",
  "domain-mismatch",
  "domain-public-suffix",
  "secure-prefix",
  "host-prefix",
]);

/** One Set-Cookie header value → its cookie, parsed as the jar parses it (RFC 6265 §5.2), the value as sent. */
export function parseSetCookie(raw: string): SetCookie | undefined {
  const c = Cookie.parse(raw);
  return c && described(c, raw);
}

/**
 * The app deleting a cookie rather than setting it: an empty value (Django writes `""`), or Max-Age of 0 or less.
 * Browsers remove the cookie; nothing was refused.
 */
export function deletes(c: Pick<SetCookie, "value" | "maxAge">): boolean {
  return c.value === "" || c.value === '""' || (c.maxAge !== undefined && c.maxAge <= 0);
}

/** Attributes of a raw Set-Cookie whose value is over 1024 bytes (RFC 6265bis: browsers ignore them). */
function oversizedAttributes(raw: string): string[] {
  return raw
    .split(";")
    .slice(1)
    .flatMap((attr) => {
      const eq = attr.indexOf("=");
      if (eq < 0) return [];
      return Buffer.byteLength(attr.slice(eq + 1).trim()) > MAX_ATTRIBUTE_SIZE ? [attr.slice(0, eq).trim()] : [];
    });
}

function described(c: Cookie, raw: string): SetCookie {
  return {
    name: c.key,
    value: c.value,
    size: Buffer.byteLength(c.key) + Buffer.byteLength(c.value),
    domain: c.domain ?? undefined,
    path: c.path ?? undefined,
    expires: c.expires instanceof Date ? c.expires : undefined,
    maxAge: c.maxAge === null ? undefined : Number(c.maxAge),
    secure: c.secure,
    httpOnly: c.httpOnly,
    sameSite: c.sameSite,
    oversizedAttributes: oversizedAttributes(raw),
  };
}

/** The cookie's lifetime in seconds as a browser computes it (Max-Age wins), on the server's clock when known. */
export function lifetimeSeconds(c: SetCookie, serverDate?: Date): number | undefined {
  if (c.maxAge !== undefined) return c.maxAge;
  if (c.expires) return (c.expires.getTime() - (serverDate?.getTime() ?? Date.now())) / 1000;
  return undefined;
}

/** A Domain naming a public suffix (`co.uk`, `github.io`), decided on tough-cookie's public suffix list. */
function isPublicSuffix(domain: string): boolean {
  const canonical = canonicalDomain(domain) ?? domain;
  return !isIP(canonical) && !getPublicSuffix(canonical, { allowSpecialUseDomain: true, ignoreError: true });
}

/**
 * How browsers (RFC 6265bis, as Chromium and Firefox apply it) treat this Set-Cookie received from `url`.
 * `appPath` is a path the app needs the cookie on; `session` marks the session cookie, for the HttpOnly advice.
 * Domain and path matching and the public suffix list are tough-cookie's own functions, so the explanation and the
 * jar agree on them.
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
  if (c.oversizedAttributes.length)
    problems.push({
      rule: "attribute-too-large",
      dropped: false,
      detail: `${c.oversizedAttributes.join(", ")} over ${MAX_ATTRIBUTE_SIZE} bytes: browsers ignore the attribute, so the cookie gets their defaults (host-only, the request's path, a session lifetime)`,
    });
  // Browsers exempt http://localhost; the probe does not, so a lab on loopback reports what production would do.
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
  // The Domain as parsed (lower case, one leading dot dropped): tough-cookie stores `..example.com` or a Unicode
  // name under a key no request ever finds, so such a cookie is as lost as a mismatched one.
  if (c.domain && !domainMatch(canonicalDomain(url.hostname), c.domain, false)) {
    problems.push({
      rule: "domain-mismatch",
      dropped: true,
      detail: `Domain=${c.domain} does not domain-match ${url.hostname}: browsers reject it`,
    });
  } else if (c.domain && isPublicSuffix(c.domain)) {
    problems.push({
      rule: "domain-public-suffix",
      dropped: true,
      detail: `Domain=${c.domain} is a public suffix, shared by unrelated sites: browsers reject it`,
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
  const path = c.path ?? defaultPath(url.pathname);
  if (opts.appPath && !pathMatch(opts.appPath, path)) {
    problems.push({
      rule: "path-excludes-app",
      dropped: true,
      detail: `Path=${path} does not cover ${opts.appPath}: it is not sent there`,
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
  if (opts.session && c.sameSite?.toLowerCase() === "strict")
    problems.push({
      rule: "samesite-strict",
      dropped: false,
      detail:
        "SameSite=Strict on the session cookie: browsers withhold it on every arrival from another site (a link in an e-mail, a payment or sign-in provider's redirect back), so those visits look signed out and may be given a new session",
    });
  return problems;
}

/** The latest time a Date can hold. */
const MAX_DATE_MS = 8.64e15;

/**
 * Gives the cookie the absolute expiry a browser gives it, from its lifetime: Max-Age counted from now (tough-cookie
 * counts it from the cookie's last use, so a cookie sent on every request would never expire), Expires moved by the
 * server clock's offset from ours (as Chromium and Firefox do, so a server whose clock is off does not expire
 * cookies early).
 */
function withBrowserExpiry(c: Cookie, lifetime: number | undefined): Cookie {
  if (lifetime === undefined) return c;
  const at = Date.now() + lifetime * 1000;
  c.expires = at >= MAX_DATE_MS ? "Infinity" : new Date(Math.max(at, 0));
  c.maxAge = null;
  return c;
}

/** Every probe request is a same-site, top-level request to the target: SameSite never withholds a cookie there. */
const SAME_SITE = { sameSiteContext: "strict" } as const;

/**
 * A browser-like cookie jar. tough-cookie stores the cookies and decides what is sent where (domain and path
 * matching, public suffixes, prefixes, Secure, expiry, order); `cookieProblems` explains, for every cookie received,
 * what a browser drops or withholds and why. Values stay inside: what the jar shows a log is names and rules.
 */
export class CookieJar {
  readonly #store = new MemoryCookieStore();
  readonly #jar = new ToughCookieJar(this.#store, {
    // No loopback exemption for Secure, as in cookieProblems.
    allowSecureOnLocal: false,
    // A refused prefix throws, so the jar sees every refusal instead of a silent no-op.
    prefixSecurity: "strict",
  });
  /** Every Set-Cookie seen, with the problems it had, in order. */
  readonly seen: Array<{ cookie: SetCookie; url: URL; problems: CookieProblem[]; serverDate?: Date }> = [];

  constructor(private readonly opts: { appPath?: string; isSession?: (name: string) => boolean } = {}) {}

  store(headers: string[], url: URL, dateHeader?: string): void {
    const date = dateHeader ? new Date(dateHeader) : undefined;
    const serverDate = date && !Number.isNaN(date.getTime()) ? date : undefined;
    for (const raw of headers) {
      // Not a cookie at all (no name=value pair): browsers ignore the line, and so does the jar.
      const parsed = Cookie.parse(raw);
      if (!parsed) continue;
      const cookie = described(parsed, raw);
      const problems = cookieProblems(cookie, url, {
        serverDate,
        appPath: this.opts.appPath,
        session: this.opts.isSession?.(cookie.name),
      });
      if (!problems.some((p) => p.dropped && REFUSED_ON_ARRIVAL.has(p.rule))) {
        try {
          const lifetime = lifetimeSeconds(cookie, serverDate);
          this.#jar.setCookieSync(withBrowserExpiry(parsed, lifetime), url, SAME_SITE);
        } catch (err) {
          const why = (err as Error).message;
          problems.push({
            rule: "refused",
            dropped: true,
            detail: `the cookie jar refuses it: ${cookie.value ? why.replaceAll(cookie.value, "…") : why}`,
          });
        }
      }
      this.seen.push({ cookie, url, problems, serverDate });
    }
  }

  /** The Cookie header a browser sends to `url`: longest Path first, then oldest first. */
  header(url: URL): string {
    return this.#jar.getCookieStringSync(url, SAME_SITE);
  }

  /** Whether the Cookie header a browser sends to the app's path (on the host of `from`) carries this name. */
  sendsToApp(name: string, from: URL): boolean {
    if (!this.opts.appPath) return false;
    return this.header(new URL(this.opts.appPath, from))
      .split(/;\s*/)
      .some((pair) => pair.startsWith(`${name}=`));
  }

  get(name: string): string | undefined {
    return this.#live().find((c) => c.key === name)?.value;
  }

  names(): string[] {
    return [...new Set(this.#live().map((c) => c.key))];
  }

  /** Stored cookies not yet expired, in the order they would be sent. */
  #live(): Cookie[] {
    let all: Cookie[] = [];
    // The memory store answers synchronously.
    this.#store.getAllCookies((_, cookies) => (all = cookies ?? []));
    const now = Date.now();
    return all.filter((c) => (c.expiryTime() ?? Infinity) > now).sort(cookieCompare);
  }

  toJSON(): { cookies: string[]; seen: Array<{ name: string; from: string; rules: CookieRule[] }> } {
    return {
      cookies: this.names(),
      seen: this.seen.map((s) => ({
        name: s.cookie.name,
        from: displayUrl(s.url),
        rules: s.problems.map((p) => p.rule),
      })),
    };
  }

  [inspect.custom](): ReturnType<CookieJar["toJSON"]> {
    return this.toJSON();
  }
}
