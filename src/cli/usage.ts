import { parsePolicyEntry } from "../probes/http/policy.js";
import { parseRedisTarget } from "../probes/redis/connection.js";

/** A mistake in how the command was called: reported in one line, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

export function httpUrl(flag: string) {
  return (value: string): string => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new UsageError(`${flag} needs a URL such as https://app.example.com/, got "${value}"`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new UsageError(`${flag} must be an http:// or https:// URL, got ${url.protocol}//…`);
    }
    return url.toString();
  };
}

export function redisUrl(value: string): string {
  try {
    parseRedisTarget(value);
  } catch (err) {
    throw new UsageError(`--redis: ${(err as Error).message}`);
  }
  return value;
}

export function urlPath(flag: string) {
  return (value: string): string => {
    if (!value.startsWith("/")) throw new UsageError(`${flag} must be a path starting with "/", got "${value}"`);
    return value;
  };
}

export function allowEntry(value: string): string {
  try {
    parsePolicyEntry(value);
  } catch (err) {
    throw new UsageError(`--allow: ${(err as Error).message}`);
  }
  return value;
}

export function collect<T>(parse: (v: string) => T) {
  return (value: string, previous: T[] = []): T[] => [...previous, parse(value)];
}

/** A number of seconds within a range that makes sense for the option (timers cannot take more than ~24 days). */
export function seconds(flag: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\s*[\d.]+\s*$/.test(value) || !Number.isFinite(n) || n < min || n > max)
      throw new UsageError(`${flag} needs a number of seconds from ${min} to ${max}, got "${value}"`);
    return n;
  };
}

/** "POST /login user=${U} password=${P}" or "POST /api/login json user=${U}": method, path, form or JSON fields. */
export function loginSpec(value: string): {
  method: "GET" | "POST";
  path: string;
  form?: Record<string, string>;
  json?: Record<string, string>;
} {
  const [method, path, ...rest] = value.trim().split(/\s+/);
  if ((method !== "GET" && method !== "POST") || !path?.startsWith("/")) {
    throw new UsageError(
      `--login needs "POST /path field=\${ENV_VAR} …", got "${value.split(/\s+/).slice(0, 2).join(" ")} …"`,
    );
  }
  const json = rest[0] === "json";
  const fields: Record<string, string> = {};
  for (const pair of json ? rest.slice(1) : rest) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`--login fields are name=value, got "${pair.split("=")[0]}"`);
    fields[pair.slice(0, eq)] = pair.slice(eq + 1);
    // Checked now: a login sent with an empty password would fail for a reason that is not the app's.
    for (const [, braced, plain] of pair.slice(eq + 1).matchAll(/\$\{(\w+)\}|\$(\w+)/g)) {
      const name = (braced ?? plain)!;
      if (process.env[name] === undefined)
        throw new UsageError(`--login: the environment variable ${name} is not set; export it first`);
    }
  }
  return json ? { method, path, json: fields } : { method, path, form: fields };
}

/** The option closest to a mistyped word, when it is close enough to be what was meant. */
export function closest(word: string, options: readonly string[]): string | undefined {
  const distance = (a: string, b: string) => {
    let row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      const next = [i];
      for (let j = 1; j <= b.length; j++)
        next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      row = next;
    }
    return row[b.length]!;
  };
  const [best] = options
    .map((o) => ({ o, d: distance(word.toLowerCase(), o) }))
    .filter(({ o, d }) => d <= Math.max(1, Math.floor(o.length / 3)))
    .sort((a, b) => a.d - b.d);
  return best?.o;
}

export function wholeNumber(flag: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || n < min || n > max)
      throw new UsageError(`${flag} needs a whole number from ${min} to ${max}, got "${value}"`);
    return n;
  };
}

export function positiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || n < 1)
      throw new UsageError(`${flag} needs a whole number from 1, got "${value}"`);
    return n;
  };
}
