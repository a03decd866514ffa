import { inspect } from "node:util";
import { CookieJar as ToughCookieJar } from "tough-cookie";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  cookieProblems,
  CookieJar,
  lifetimeSeconds,
  parseSetCookie,
  type CookieRule,
} from "../../src/probes/http/cookies.js";
import { corpus, receivedFrom } from "../helpers/cookie-corpus.js";

afterEach(() => {
  vi.useRealTimers();
});

const https = "https://app.example.com/";
const http = "http://app.example.com/";

/** Set-Cookie lines aimed at the rules that both our explanations and tough-cookie decide, each with its origin. */
const aimed: Array<[string, string]> = [
  [`big=${"v".repeat(4093)}`, https],
  [`big=${"v".repeat(4094)}`, https],
  ["s=1; SameSite=None", https],
  ["s=1; SameSite=None; Secure", https],
  ["s=1; SameSite=none; Secure", http],
  ["s=1; Secure", http],
  ["s=1; Secure", "http://127.0.0.1/"],
  ["s=1; Secure", "http://localhost/"],
  ["s=1; Secure", "http://[::1]/"],
  ["s=1; Secure", https],
  ["__Secure-s=1; Secure", https],
  ["__Secure-s=1", https],
  ["__Secure-s=1; Secure", http],
  ["__Host-s=1; Secure; Path=/", https],
  ["__Host-s=1; Secure", https],
  ["__Host-s=1; Secure; Path=/app", https],
  ["__Host-s=1; Path=/", https],
  ["__Host-s=1; Secure; Path=/; Domain=app.example.com", https],
  ["__Host-s=1; Secure; Path=/", http],
  ["d=1; Domain=example.com", https],
  ["d=1; Domain=.example.com", https],
  ["d=1; Domain=app.example.com.", https],
  ["d=1; Domain=other.example", https],
  ["d=1; Domain=sub.app.example.com", https],
  ["d=1; Domain=com", https],
  ["d=1; Domain=co.uk", "https://shop.co.uk/"],
  ["d=1; Domain=shop.co.uk", "https://shop.co.uk/"],
  ["d=1; Domain=github.io", "https://team.github.io/"],
  ["d=1; Domain=example", "http://app.example/"],
  ["d=1; Domain=localhost", "http://localhost/"],
  ["d=1; Domain=127.0.0.1", "http://127.0.0.1/"],
  ["d=1; Domain=0.0.1", "http://127.0.0.1/"],
  ["d=1; Domain=example.com", "http://127.0.0.1/"],
  ["d=1; Domain=::1", "http://[::1]/"],
  ["d=1; Domain=[::1]", "http://[::1]/"],
  ["d=1; Domain=..example.com", https],
  ["d=1; Domain=bücher.example", "https://www.bücher.example/"],
];

/** Every cookie the corpus sends, from the URL it comes from: the parser's edge cases, against the same rules. */
const fromCorpus: Array<[string, string]> = corpus.flatMap((c) =>
  c.received.map((line): [string, string] => [line, receivedFrom(c).href]),
);

const inputs = [...aimed, ...fromCorpus]
  .filter(([line]) => parseSetCookie(line) !== undefined)
  .map(([line, from]) => ({
    line,
    from,
    label: `${line.length > 60 ? `${line.slice(0, 40)}… (${line.length} bytes)` : line} from ${from}`,
  }));

/** Rules tough-cookie enforces itself, configured as the probes' jar configures it. */
const LIBRARY_RULES: ReadonlySet<CookieRule> = new Set([
  "secure-over-http",
  "domain-mismatch",
  "domain-public-suffix",
  "secure-prefix",
  "host-prefix",
]);

/** Whether tough-cookie, on its own, stores the cookie where a request to its host finds it (expired or not). */
function libraryKeeps(line: string, url: URL): boolean {
  const jar = new ToughCookieJar(undefined, { allowSecureOnLocal: false, prefixSecurity: "strict" });
  try {
    jar.setCookieSync(line, url);
  } catch {
    return false;
  }
  return jar.getCookiesSync(url, { expire: false, allPaths: true }).length > 0;
}

describe("our cookie rules and tough-cookie", () => {
  for (const { line, from, label } of inputs) {
    it(`agree on ${label}`, () => {
      const url = new URL(from);
      const rules = cookieProblems(parseSetCookie(line)!, url)
        .filter((p) => p.dropped)
        .map((p) => p.rule);
      expect(libraryKeeps(line, url)).toBe(!rules.some((r) => LIBRARY_RULES.has(r)));
    });
  }

  it.each([
    ["too-large", `big=${"v".repeat(4094)}`],
    ["samesite-none-without-secure", "s=1; SameSite=None"],
  ])("differ where tough-cookie keeps what browsers drop: %s", (rule, line) => {
    const url = new URL(https);
    expect(libraryKeeps(line, url)).toBe(true);
    const jar = new CookieJar();
    jar.store([line], url);
    expect(jar.header(url)).toBe("");
    expect(jar.seen[0]!.problems.filter((p) => p.dropped).map((p) => p.rule)).toEqual([rule]);
  });
});

describe("the probes' jar", () => {
  for (const { line, from, label } of inputs) {
    it(`drops exactly what it explains: ${label}`, () => {
      const url = new URL(from);
      const app = new URL("/", url);
      const jar = new CookieJar({ appPath: app.pathname });
      jar.store([line], url);
      const [{ cookie, problems }] = jar.seen as [(typeof jar.seen)[number]];
      expect(problems.map((p) => p.rule)).not.toContain("refused");
      const deletion = cookie.value === "" && (lifetimeSeconds(cookie) ?? 1) <= 0;
      const explained = problems.some((p) => p.dropped);
      expect(jar.header(app)).toBe(explained || deletion ? "" : `${cookie.name}=${cookie.value}`);
    });
  }

  it("keeps the cookie it has when a replacement is refused", () => {
    const jar = new CookieJar();
    const url = new URL("http://127.0.0.1/");
    jar.store(["sid=first; Path=/", "sid=second; Path=/; Secure"], url);
    expect(jar.get("sid")).toBe("first");
    expect(jar.header(url)).toBe("sid=first");
  });

  it("applies the Secure rule on loopback too, where browsers would exempt localhost", () => {
    for (const origin of ["http://localhost/", "http://127.0.0.1/", "http://[::1]/"]) {
      const jar = new CookieJar();
      jar.store(["sid=x; Secure"], new URL(origin));
      expect(jar.names()).toEqual([]);
      expect(jar.seen[0]!.problems.map((p) => p.rule)).toEqual(["secure-over-http"]);
    }
  });

  it("sends the longest path first, and names cookies in that order", () => {
    const jar = new CookieJar();
    jar.store(["a=root; Path=/", "b=app; Path=/app", "a=deep; Path=/app/me"], new URL(https));
    expect(jar.header(new URL("/app/me", https))).toBe("a=deep; b=app; a=root");
    expect(jar.names()).toEqual(["a", "b"]);
    expect(jar.get("a")).toBe("deep");
  });

  it("counts Max-Age from when the cookie arrived, however often it is sent", () => {
    vi.useFakeTimers();
    const jar = new CookieJar();
    const url = new URL(https);
    jar.store(["sid=x; Max-Age=60"], url);
    vi.advanceTimersByTime(40_000);
    expect(jar.header(url)).toBe("sid=x");
    vi.advanceTimersByTime(40_000);
    expect(jar.header(url)).toBe("");
    expect(jar.get("sid")).toBeUndefined();
  });

  it("reads Expires on the server's clock, as browsers do", () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2026-03-01T12:00:00Z"));
    const url = new URL(https);
    const behind = new CookieJar();
    // The server's clock is two hours behind: its Expires, one hour ahead of it, is already past on ours.
    behind.store(["sid=x; Expires=Sun, 01 Mar 2026 11:00:00 GMT"], url, "Sun, 01 Mar 2026 10:00:00 GMT");
    expect(behind.header(url)).toBe("sid=x");
    const ahead = new CookieJar();
    ahead.store(["sid=y; Expires=Sun, 01 Mar 2026 15:00:00 GMT"], url, "Sun, 01 Mar 2026 14:00:00 GMT");
    vi.advanceTimersByTime(59 * 60_000);
    expect([behind.header(url), ahead.header(url)]).toEqual(["sid=x", "sid=y"]);
    vi.advanceTimersByTime(2 * 60_000);
    expect([behind.header(url), ahead.header(url)]).toEqual(["", ""]);
  });

  it("shows logs names and rules, never values", () => {
    const jar = new CookieJar({ isSession: (name) => name === "sid" });
    jar.store(
      ["sid=s3cr3t-session; Path=/", "pref=s3cr3t-pref; Path=/", "token=s3cr3t-token; Domain=co.uk"],
      new URL("https://shop.co.uk/login?next=/"),
    );
    const shown = [
      JSON.stringify(jar),
      inspect(jar, { depth: 5 }),
      ...jar.seen.flatMap((s) => s.problems.map((p) => p.detail)),
    ];
    for (const text of shown) expect(text).not.toMatch(/s3cr3t/);
    expect(JSON.parse(JSON.stringify(jar))).toEqual({
      cookies: ["sid", "pref"],
      seen: [
        { name: "sid", from: "https://shop.co.uk/login", rules: ["missing-httponly", "missing-secure-on-https"] },
        { name: "pref", from: "https://shop.co.uk/login", rules: [] },
        { name: "token", from: "https://shop.co.uk/login", rules: ["domain-public-suffix"] },
      ],
    });
  });
});
