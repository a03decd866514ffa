import type { Finding } from "../../model/findings.js";

/** Cookie header sizes the limit is sought with, smallest first: where the defaults of common proxies lie. */
export const PAD_SIZES = [4096, 8192, 16384, 32768] as const;
/** A dummy cookie no app reads. */
const PAD_COOKIE = "sessiondoc_pad";

/** A Cookie header of `bytes` bytes, one dummy cookie. */
export function paddedCookie(bytes: number): string {
  return `${PAD_COOKIE}=${"x".repeat(Math.max(bytes - PAD_COOKIE.length - 1, 1))}`;
}

/** Statuses a server or proxy answers a request whose headers are too large with. */
const TOO_LARGE_STATUSES = new Set([400, 413, 431, 494]);

/** Error pages of the servers and proxies that refuse large headers, by their own words. */
const REFUSALS: Array<{ test: RegExp; who: string }> = [
  { test: /Request Header Or Cookie Too Large/i, who: "nginx: Request Header Or Cookie Too Large" },
  { test: /Size of a request header field exceeds server limit/i, who: "Apache: LimitRequestFieldSize" },
  { test: /Request header is too large/i, who: "Tomcat: maxHttpHeaderSize" },
  { test: /Your browser sent an invalid request/i, who: "HAProxy: bad request, as for headers over tune.bufsize" },
  { test: /Request Header Fields Too Large/i, who: "Request Header Fields Too Large" },
];

/**
 * Why an answer refused the request for the size of its headers, in the refusing product's words; undefined for
 * an answer that is not such a refusal. An empty 431 is Node's own (over --max-http-header-size).
 */
export function headerRefusal(res: { status: number; body: Buffer }): string | undefined {
  if (!TOO_LARGE_STATUSES.has(res.status)) return undefined;
  const text = res.body.toString("utf8", 0, 4096);
  const known = REFUSALS.find((r) => r.test.test(text));
  if (known) return `${res.status} (${known.who})`;
  if (res.status === 431) return text.trim() ? "431" : "431 (Node: --max-http-header-size)";
  if (res.status === 494) return "494 (nginx: request header too large)";
  if (res.status === 400 && !/header|cookie/i.test(text)) return undefined;
  return String(res.status);
}

/** One request of the padded series: its Cookie header's size and whether, and by whom, it was refused. */
export type Step = { bytes: number; refused?: string };

/** The limit the padded series found: the largest Cookie header that passed and the smallest that was refused. */
export type Limit = { accepted: number; refused?: number; by?: string };

export function limitOf(steps: readonly Step[]): Limit {
  const refused = steps.find((s) => s.refused);
  const accepted = Math.max(0, ...steps.filter((s) => !s.refused).map((s) => s.bytes));
  return { accepted, ...(refused ? { refused: refused.bytes, by: refused.refused } : {}) };
}

const kb = (bytes: number) => `${Math.round(bytes / 102.4) / 10} KB`;

/**
 * What the Cookie header a browser sends after signing in means against the limit found on the way: refused
 * outright, more than half the limit (a few more cookies push a user over it), or well within it.
 */
export function cookieSizeFindings(
  cookie: { bytes: number; count: number; refused?: string },
  limit: Limit,
  where: string,
): Finding[] {
  const seen = `the Cookie header a browser sends after signing in is ${cookie.bytes} bytes (${cookie.count} cookie${cookie.count === 1 ? "" : "s"})`;
  const data = { bytes: cookie.bytes, cookies: cookie.count, limit: limit.refused ?? 0, accepted: limit.accepted };
  if (cookie.refused)
    return [
      {
        id: "cookies-refused",
        summary: `${seen}, and ${where} refused it: ${cookie.refused}; every user with these cookies is locked out until they clear them`,
        data,
        anomaly: true,
      },
    ];
  if (limit.refused !== undefined && cookie.bytes * 2 > limit.refused)
    return [
      {
        id: "cookies-near-limit",
        summary: `${seen}, over half of the ${kb(limit.refused)} ${where} refuses (${limit.by}): a few more cookies (analytics, A/B tests, a grown session) lock a user out`,
        data,
      },
    ];
  return [
    {
      id: "cookies-within-limit",
      summary: `${seen}, well within what ${where} accepts (${limit.refused !== undefined ? `${kb(limit.accepted)} passed, ${kb(limit.refused)} refused` : `${kb(limit.accepted)} passed`})`,
      data,
    },
  ];
}

/** The padded series as one finding: where the limit lies, and who enforces it. */
export function limitFinding(limit: Limit, where: string): Finding {
  return {
    id: "header-limit",
    summary:
      limit.refused !== undefined
        ? `${where} refused a Cookie header of ${kb(limit.refused)} with ${limit.by}${limit.accepted ? `; ${kb(limit.accepted)} passed` : ""}`
        : `${where} accepted Cookie headers up to ${kb(limit.accepted)}`,
    data: { accepted: limit.accepted, refused: limit.refused ?? 0 },
  };
}

/**
 * The sign-in answered by the proxy with an error while a node answers it directly: with large response headers,
 * the proxy's response header buffer is too small (nginx: "upstream sent too big header", 502).
 */
export function responseHeadersFinding(
  through: { status: number; where: string },
  direct: { status: number; headerBytes: number; setCookieBytes: number; where: string },
): Finding | undefined {
  if (direct.status >= 500) return undefined;
  return {
    id: "response-headers-refused",
    summary: `signing in through ${through.where} answered ${through.status}, while ${direct.where} answered it ${direct.status} with ${direct.headerBytes} bytes of headers (${direct.setCookieBytes} of Set-Cookie): the proxy's buffer for response headers is smaller (nginx: "upstream sent too big header", proxy_buffer_size)`,
    data: { status: through.status, bytes: direct.headerBytes, setCookie: direct.setCookieBytes },
    anomaly: true,
  };
}

/** Bytes of an answer's header section, as a proxy buffers it (name, ": ", value, CRLF for each). */
export function headerBytes(headers: Record<string, string>, setCookies: readonly string[]): number {
  const line = (name: string, value: string) => Buffer.byteLength(name) + Buffer.byteLength(value) + 4;
  return (
    Object.entries(headers).reduce((n, [k, v]) => n + line(k, v), 0) +
    setCookies.reduce((n, v) => n + line("set-cookie", v), 0)
  );
}
