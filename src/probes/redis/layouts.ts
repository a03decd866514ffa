/**
 * How common session stores lay sessions out in Redis, recognised by key name and type alone: sessiondoc never
 * reads a session's contents.
 */
export type Layout = {
  id: string;
  store: string;
  /** The application stack this store implies (a value of the flow's `stack` question). */
  stack: string;
  /** SCAN MATCH pattern for the session keys. */
  match: string;
  /** Recognises a session key (not its helper keys such as expiry indexes or locks). */
  test: RegExp;
  type: "string" | "hash";
  /** The session id inside a key, for lookups from a cookie. */
  keyFor(id: string): string;
};

export const LAYOUTS: readonly Layout[] = [
  {
    id: "connect-redis",
    store: "connect-redis (express-session)",
    stack: "express",
    match: "sess:*",
    test: /^sess:[^:]+$/,
    type: "string",
    keyFor: (id) => `sess:${id}`,
  },
  {
    id: "spring-session",
    store: "Spring Session",
    stack: "java-spring-session",
    match: "spring:session:sessions:*",
    test: /^spring:session:sessions:(?!expires:)[^:]+$/,
    type: "hash",
    keyFor: (id) => `spring:session:sessions:${id}`,
  },
  {
    id: "phpredis",
    store: "phpredis",
    stack: "php",
    match: "PHPREDIS_*SESSION:*",
    test: /^PHPREDIS_(CLUSTER_)?SESSION:[^:]+$/,
    type: "string",
    keyFor: (id) => `PHPREDIS_SESSION:${id}`,
  },
  {
    id: "redisson-tomcat",
    store: "Redisson Tomcat session manager",
    stack: "java-tomcat",
    match: "*redisson:tomcat_session:*",
    test: /(^|:)redisson:tomcat_session:[^:]+$/,
    type: "hash",
    keyFor: (id) => `redisson:tomcat_session:${id}`,
  },
  {
    id: "django",
    store: "Django cache sessions",
    stack: "other",
    match: "*django.contrib.sessions.cache*",
    test: /django\.contrib\.sessions\.cache[^:]+$/,
    type: "string",
    keyFor: (id) => `:1:django.contrib.sessions.cache${id}`,
  },
  {
    id: "laravel",
    store: "Laravel cache sessions",
    stack: "php",
    match: "laravel*cache*",
    test: /^laravel[_-]database[_-].*cache[_-]?:?[A-Za-z0-9]{40}$/,
    type: "string",
    keyFor: (id) => `laravel_database_laravel_cache_:${id}`,
  },
];

/** A layout for a prefix the team configured (ASP.NET Core's InstanceName, custom connect-redis prefixes…). */
export function customLayout(prefix: string): Layout {
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const glob = prefix.replace(/[*?[\]\\]/g, "\\$&");
  return {
    id: "custom",
    store: `keys under "${prefix}"`,
    stack: "other",
    match: `${glob}*`,
    test: new RegExp(`^${escaped}`),
    type: "string",
    keyFor: (id) => `${prefix}${id}`,
  };
}

export function layoutOf(key: string): Layout | undefined {
  return LAYOUTS.find((l) => l.test.test(key));
}

/**
 * The store key of the session a cookie names: express-session's signed `s:<id>.<signature>` (URL-encoded),
 * Spring Session's Base64 id, Tomcat's `<id>.<jvmRoute>`, or the raw id.
 */
export function sessionIdFromCookie(cookieName: string, rawValue: string): string {
  let value = rawValue;
  try {
    value = decodeURIComponent(rawValue);
  } catch {
    // keep the raw value
  }
  if (value.startsWith("s:")) return value.slice(2, value.lastIndexOf(".") > 2 ? value.lastIndexOf(".") : undefined);
  if (cookieName === "SESSION") {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    if (/^[0-9a-f-]{36}$/.test(decoded)) return decoded;
  }
  if (cookieName === "JSESSIONID" && value.includes(".")) return value.slice(0, value.indexOf("."));
  return value;
}
