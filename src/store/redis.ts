import { Redis } from "ioredis";
import { DiagnosisRecord } from "../engine/record.js";
import { redactUrl } from "../redact.js";
import { StoreError, type DiagnosisStore } from "./types.js";

export type RedisStoreOptions = {
  url: string;
  /** How long a diagnosis is kept after its last step. */
  ttlSeconds?: number;
  prefix?: string;
  commandTimeoutMs?: number;
};

export const DEFAULT_TTL_SECONDS = 7 * 24 * 3600;

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

  async close() {
    this.redis.disconnect();
  }
}

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
    throw new StoreError(`diagnosis "${id}" in the store is unreadable (${first.path.join(".")}: ${first.message}); start a new diagnosis`);
  }
  return parsed.data;
}
