import { Redis } from "ioredis";

/** A short-lived connection to one server the lab runs, for its own setup and checks. */
export async function withRedis<T>(url: string, fn: (r: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  // Failures reach the caller through the command's promise; the event would only be printed.
  redis.on("error", () => {});
  try {
    await redis.connect();
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}

/**
 * Polls `check` every 100 ms until it holds; throws after `ms`, saying what did not happen. A check that fails counts
 * as "not yet": servers drop their clients while they change role (Sentinel sends CLIENT KILL to a reconfigured one).
 */
export async function until(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  let lastError: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const last = lastError instanceof Error ? ` (last error: ${lastError.message})` : "";
      throw new Error(`${what} within ${ms / 1000} s${last}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** INFO replication of one server as fields. */
export async function replicationInfo(url: string): Promise<Map<string, string>> {
  const text = await withRedis(url, (r) => r.info("replication"));
  return new Map(
    text
      .split(/\r?\n/)
      .filter((l) => l.includes(":"))
      .map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1)]),
  );
}

/** Waits until a replica has synced with its master (the link is up). */
export function waitForSync(url: string): Promise<void> {
  return until("the replica did not sync with its master", 10_000, async () => {
    return (await replicationInfo(url)).get("master_link_status") === "up";
  });
}
