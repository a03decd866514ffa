import { randomBytes } from "node:crypto";
import { RedisStore } from "connect-redis";
import type { SessionData } from "express-session";
import { createClient } from "redis";

/**
 * Writes sessions the way an Express app does, through the real connect-redis store (node-redis client).
 * `ttl` is connect-redis' store TTL in seconds; `bytes` pads each session to about that size.
 */
export async function writeSessions(
  url: string,
  opts: { count: number; ttl?: number; bytes?: number; prefix?: string },
): Promise<string[]> {
  const client = createClient({ url });
  await client.connect();
  const store = new RedisStore({ client, ttl: opts.ttl ?? 1800, prefix: opts.prefix ?? "sess:" });
  const ids: string[] = [];
  const pad = "x".repeat(Math.max(0, (opts.bytes ?? 200) - 150));
  for (let i = 0; i < opts.count; i += 200) {
    const batch = Array.from({ length: Math.min(200, opts.count - i) }, () => randomBytes(16).toString("base64url"));
    ids.push(...batch);
    await Promise.all(
      batch.map((sid) =>
        store.set(sid, {
          cookie: { originalMaxAge: null, httpOnly: true, path: "/" },
          userId: "u-1",
          cart: pad,
        } as unknown as SessionData),
      ),
    );
  }
  await client.quit();
  return ids;
}

/** Fills the instance with non-session keys, as a cache sharing the store would. */
export async function writeCacheKeys(url: string, count: number, bytes = 1000): Promise<void> {
  const client = createClient({ url });
  await client.connect();
  const value = "c".repeat(bytes);
  for (let i = 0; i < count; i += 500) {
    const multi = client.multi();
    for (let j = i; j < Math.min(count, i + 500); j++) multi.set(`cache:item:${j}`, value);
    await multi.exec().catch(() => undefined); // an OOM under noeviction is part of some scenarios
  }
  await client.quit();
}
