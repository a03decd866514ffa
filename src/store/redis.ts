import { Redis } from "ioredis";
import { DiagnosisRecord } from "../model/diagnosis.js";
import { redactUrl } from "../redact.js";
import { randomUUID } from "node:crypto";
import { DEFAULT_TTL_SECONDS, LOCK_DEFAULTS, LockTimeout, StoreError, type DiagnosisStore } from "./types.js";

export type RedisStoreOptions = {
  url: string;
  /** How long a diagnosis is kept after its last step. */
  ttlSeconds?: number;
  prefix?: string;
  commandTimeoutMs?: number;
};

/**
 * Diagnoses in Redis, shared by every process of the app: one JSON string per diagnosis with a TTL, and a sorted
 * set of ids by update time for "recent diagnoses".
 */
export class RedisStore implements DiagnosisStore {
  private readonly redis: Redis;
  private readonly ttl: number;
  private readonly prefix: string;
  private readonly where: string;

  constructor(opts: RedisStoreOptions) {
    this.ttl = opts.ttlSeconds ?? DEFAULT_TTL_SECONDS;
    this.prefix = opts.prefix ?? "sessiondoc:";
    this.where = redactUrl(opts.url);
    this.redis = new Redis(opts.url, {
      lazyConnect: true,
      connectTimeout: 5_000,
      commandTimeout: opts.commandTimeoutMs ?? 5_000,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: true,
    });
    // Connection errors surface on the command that needs the connection; this keeps them off the global handler.
    this.redis.on("error", () => {});
  }

  private key(id: string) {
    return `${this.prefix}diagnosis:${id}`;
  }

  private get index() {
    return `${this.prefix}diagnoses`;
  }

  private async run<T>(what: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      throw new StoreError(`diagnosis store at ${this.where}: cannot ${what} (${(err as Error).message})`);
    }
  }

  async get(id: string) {
    const json = await this.run("read", () => this.redis.get(this.key(id)));
    if (json === null) return undefined;
    return parseRecord(json, id);
  }

  async put(record: DiagnosisRecord) {
    const now = Date.now();
    await this.run("write", () =>
      this.redis
        .multi()
        .set(this.key(record.id), JSON.stringify(record), "EX", this.ttl)
        .zadd(this.index, now, record.id)
        .zremrangebyscore(this.index, "-inf", now - this.ttl * 1000)
        .exec(),
    );
  }

  async recent(limit: number) {
    const ids = await this.run("list", () => this.redis.zrevrange(this.index, 0, limit - 1));
    if (ids.length === 0) return [];
    const values = await this.run("read", () => this.redis.mget(ids.map((id) => this.key(id))));
    return values.flatMap((json, i) => (json === null ? [] : [parseRecord(json, ids[i]!)]));
  }

  async withLock<T>(id: string, fn: () => Promise<T>, opts: { ttlMs?: number; waitMs?: number } = {}): Promise<T> {
    const { ttlMs, waitMs } = { ...LOCK_DEFAULTS, ...opts };
    const key = `${this.prefix}lock:${id}`;
    const token = randomUUID();
    const deadline = Date.now() + waitMs;
    while ((await this.run("lock", () => this.redis.set(key, token, "PX", ttlMs, "NX"))) !== "OK") {
      if (Date.now() >= deadline) throw new LockTimeout(`diagnosis ${id} is busy; try again`);
      await new Promise((r) => setTimeout(r, 50));
    }
    // Kept alive while `fn` runs however long it takes, so it expires soon after a holder that died, not later.
    const renew = setInterval(
      () => void this.redis.eval(RENEW, 1, key, token, ttlMs).catch(() => undefined),
      Math.max(100, ttlMs / 3),
    );
    try {
      return await fn();
    } finally {
      clearInterval(renew);
      // Delete only our own lock: if it expired and another process took it, leave theirs alone.
      await this.run("unlock", () => this.redis.eval(UNLOCK, 1, key, token)).catch(() => undefined);
    }
  }

  async firstTime(key: string, ttlSeconds: number) {
    return (
      (await this.run("write", () => this.redis.set(`${this.prefix}seen:${key}`, "1", "EX", ttlSeconds, "NX"))) === "OK"
    );
  }

  async alias(key: string, id: string) {
    await this.run("write", () => this.redis.set(`${this.prefix}alias:${key}`, id, "EX", this.ttl));
  }

  async resolve(key: string) {
    return (await this.run("read", () => this.redis.get(`${this.prefix}alias:${key}`))) ?? undefined;
  }

  async close() {
    this.redis.disconnect();
  }
}

const RENEW =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
const UNLOCK = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

function parseRecord(json: string, id: string): DiagnosisRecord {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    throw new StoreError(`diagnosis "${id}" is not valid JSON in the store; start a new diagnosis`);
  }
  const parsed = DiagnosisRecord.safeParse(data);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    throw new StoreError(
      `diagnosis "${id}" in the store is unreadable (${first.path.join(".")}: ${first.message}); start a new diagnosis`,
    );
  }
  return parsed.data;
}
