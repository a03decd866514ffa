import { Redis } from "ioredis";
import { z } from "zod";
import { redactUrl } from "../../redact.js";
import { StoreError } from "../../store/types.js";

/** A round as a watch keeps it, to compare the next one with. */
const StoredRound = z.strictObject({
  at: z.coerce.date(),
  continuity: z.strictObject({ requests: z.number(), anonymous: z.number(), backends: z.number() }).optional(),
  store: z
    .strictObject({
      keys: z.number(),
      evicted: z.number(),
      rejected: z.number(),
      flushes: z.number(),
      uptime: z.number(),
    })
    .optional(),
  problems: z.array(z.string()),
});

/** A configured target watched into a channel: where its alerts go, how often it looks, what it last saw. */
export const Watch = z.strictObject({
  id: z.string(),
  target: z.string(),
  channel: z.string(),
  intervalSeconds: z.number().int().min(1),
  /** Who started it (a Slack user id) and when. */
  by: z.string(),
  since: z.string(),
  rounds: z.number().int().min(0),
  prev: StoredRound.optional(),
  last: z
    .strictObject({ at: z.string(), status: z.enum(["ok", "regression", "ongoing"]), line: z.string() })
    .optional(),
  /** The incident under way: its alert's message, when it began and what it saw. */
  incident: z.strictObject({ ts: z.string(), since: z.string(), what: z.array(z.string()) }).optional(),
});
export type Watch = z.infer<typeof Watch>;

/** What App Home shows of a watch: target, channel, interval, last result. */
export type WatchEntry = Pick<Watch, "target" | "channel" | "intervalSeconds" | "last" | "incident">;

export const watchId = (target: string, channel: string) => `${target}@${channel}`;

/** Where watches live, for every replica to see. */
export interface WatchStore {
  list(): Promise<Watch[]>;
  get(id: string): Promise<Watch | undefined>;
  put(watch: Watch): Promise<void>;
  /** Saves a watch only if it is still there: a round that ends after an unwatch does not bring it back. */
  update(watch: Watch): Promise<boolean>;
  remove(id: string): Promise<boolean>;
  close(): Promise<void>;
}

function parse(json: string): Watch | undefined {
  const parsed = Watch.safeParse(JSON.parse(json));
  return parsed.success ? parsed.data : undefined;
}

/** Watches of one process, for an app without REDIS_URL. */
export class MemoryWatchStore implements WatchStore {
  private readonly watches = new Map<string, string>();

  async list() {
    return [...this.watches.values()].flatMap((j) => parse(j) ?? []);
  }
  async get(id: string) {
    const json = this.watches.get(id);
    return json ? parse(json) : undefined;
  }
  async put(watch: Watch) {
    this.watches.set(watch.id, JSON.stringify(watch));
  }
  async update(watch: Watch) {
    if (!this.watches.has(watch.id)) return false;
    await this.put(watch);
    return true;
  }
  async remove(id: string) {
    return this.watches.delete(id);
  }
  async close() {}
}

const UPDATE =
  "if redis.call('hexists', KEYS[1], ARGV[1]) == 1 then return redis.call('hset', KEYS[1], ARGV[1], ARGV[2]) + 1 else return 0 end";

/** Watches in Redis, one hash field each: every replica sees the same watches. */
export class RedisWatchStore implements WatchStore {
  private readonly redis: Redis;
  private readonly where: string;
  private readonly hash: string;

  constructor(url: string, prefix = "sessiondoc:") {
    this.where = redactUrl(url);
    this.hash = `${prefix}watches`;
    this.redis = new Redis(url, {
      lazyConnect: true,
      connectTimeout: 5_000,
      commandTimeout: 5_000,
      maxRetriesPerRequest: 1,
    });
    // Connection errors surface on the command that needs the connection.
    this.redis.on("error", () => {});
  }

  private async run<T>(what: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      throw new StoreError(`watch store at ${this.where}: cannot ${what} (${(err as Error).message})`);
    }
  }

  async list() {
    const all = await this.run("list watches", () => this.redis.hvals(this.hash));
    return all.flatMap((j) => parse(j) ?? []);
  }
  async get(id: string) {
    const json = await this.run("read a watch", () => this.redis.hget(this.hash, id));
    return json ? parse(json) : undefined;
  }
  async put(watch: Watch) {
    await this.run("save a watch", () => this.redis.hset(this.hash, watch.id, JSON.stringify(watch)));
  }
  async update(watch: Watch) {
    const done = await this.run("save a watch", () =>
      this.redis.eval(UPDATE, 1, this.hash, watch.id, JSON.stringify(watch)),
    );
    return Number(done) > 0;
  }
  async remove(id: string) {
    return (await this.run("remove a watch", () => this.redis.hdel(this.hash, id))) > 0;
  }
  async close() {
    this.redis.disconnect();
  }
}
