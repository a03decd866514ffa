import type { Finding } from "../../model/findings.js";
import { displayUrl } from "./client.js";
import type { CookieJar } from "./cookies.js";

/** Names that occur more than once in a Cookie header. */
export function repeatedNames(header: string): string[] {
  const counts = new Map<string, number>();
  for (const pair of header.split(/;\s*/)) {
    if (!pair) continue;
    const eq = pair.indexOf("=");
    const name = eq < 0 ? "" : pair.slice(0, eq).trim();
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts].filter(([, n]) => n > 1).map(([name]) => name);
}

/** The Domain and Path variants a name was set with, as a browser scopes them (host-only or Domain=…). */
function variants(jar: CookieJar, name: string): string[] {
  const scopes = jar.seen
    .filter((s) => s.cookie.name === name && s.cookie.value !== "")
    .map(
      (s) =>
        `${s.cookie.domain ? `Domain=${s.cookie.domain}` : `host ${s.url.hostname}`}, Path=${s.cookie.path ?? "(default)"}`,
    );
  return [...new Set(scopes)];
}

/**
 * Whether the Cookie header a browser sends to any of `urls` carries one name twice: two cookies of one name with
 * different Domain or Path, or two apps on one host using one name. The server reads one of them, so a logout that
 * deletes the other does not stick. `session` is the session cookie's name, when known.
 */
export function collisionFindings(jar: CookieJar, urls: readonly URL[], session: string | undefined): Finding[] {
  const found = new Map<string, URL>();
  for (const url of urls) for (const name of repeatedNames(jar.header(url))) if (!found.has(name)) found.set(name, url);
  if (found.size === 0)
    return [
      {
        id: "cookie-names-unique",
        summary: `every Cookie header a browser would send over the sign-in and the check path (${urls.length} requests) carries each cookie name once`,
        data: { requests: urls.length },
      },
    ];
  return [...found].map(([name, url]) => {
    const isSession = name === session;
    const scopes = variants(jar, name);
    return {
      id: "cookie-collision",
      summary: `a browser would send ${isSession ? "the session cookie " : "cookie "}${name} twice to ${displayUrl(url)}${scopes.length > 1 ? ` (set as ${scopes.join(" and as ")})` : ""}: the server reads only one of them, so a logout that deletes the other does not stick`,
      data: { cookie: name, session: isSession, variants: scopes.length },
      ...(isSession ? { anomaly: true } : {}),
    };
  });
}
