import { DiagnosisRecord } from "../model/diagnosis.js";
import { DEFAULT_TTL_SECONDS, LOCK_DEFAULTS, LockTimeout, type DiagnosisStore } from "./types.js";

/** Values that expire: read lazily, and swept (see MemoryStore) so a long-running process does not keep them all. */
class Expiring<V> {
  private readonly items = new Map<string, { value: V; until: number }>();

  get(key: string): V | undefined {
    const item = this.items.get(key);
    if (!item) return undefined;
    if (item.until > Date.now()) return item.value;
    this.items.delete(key);
    return undefined;
  }

  set(key: string, value: V, ttlMs: number): void {
    this.items.delete(key); // re-insert so iteration order is update order
    this.items.set(key, { value, until: Date.now() + ttlMs });
  }

  delete(key: string): void {
    this.items.delete(key);
  }

  /** Live entries, oldest update first. */
  entries(): Array<[string, V]> {
    const now = Date.now();
    return [...this.items].filter(([, i]) => i.until > now).map(([k, i]) => [k, i.value]);
  }

  get size(): number {
    return this.items.size;
  }

  sweep(now: number): void {
    for (const [key, item] of this.items) if (item.until <= now) this.items.delete(key);
  }
}

/**
 * Keeps records as JSON text, so what comes back is a copy that went through the same validation as Redis. Like
 * the Redis store, records, aliases and idempotency keys expire.
 */
export class MemoryStore implements DiagnosisStore {
  private readonly ttlMs: number;
  private readonly records = new Expiring<string>();
  private readonly seen = new Expiring<true>();
  private readonly aliases = new Expiring<string>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private nextSweep = 0;

  constructor(opts: { ttlSeconds?: number } = {}) {
    this.ttlMs = (opts.ttlSeconds ?? DEFAULT_TTL_SECONDS) * 1000;
  }

  /** On any write, at most once a second: every kind of entry, so one that is no longer written to is freed too. */
  private sweep(): void {
    const now = Date.now();
    if (now < this.nextSweep) return;
    this.nextSweep = now + 1000;
    for (const items of [this.records, this.seen, this.aliases]) items.sweep(now);
  }

  async get(id: string) {
    const json = this.records.get(id);
    return json === undefined ? undefined : DiagnosisRecord.parse(JSON.parse(json));
  }

  async put(record: DiagnosisRecord) {
    this.sweep();
    this.records.set(record.id, JSON.stringify(record), this.ttlMs);
  }

  async recent(limit: number) {
    return this.records
      .entries()
      .reverse()
      .slice(0, limit)
      .map(([, json]) => DiagnosisRecord.parse(JSON.parse(json)));
  }

  async withLock<T>(id: string, fn: () => Promise<T>, opts: { waitMs?: number } = {}): Promise<T> {
    const waitMs = opts.waitMs ?? LOCK_DEFAULTS.waitMs;
    const previous = this.locks.get(id);
    if (previous && waitMs <= 0) throw new LockTimeout(`diagnosis ${id} is busy; try again`);
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const chain = (previous ?? Promise.resolve()).then(() => mine);
    this.locks.set(id, chain);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        previous,
        new Promise(
          (_, reject) =>
            (timer = setTimeout(() => reject(new LockTimeout(`diagnosis ${id} is busy; try again`)), waitMs)),
        ),
      ]);
      return await fn();
    } finally {
      clearTimeout(timer);
      release();
      if (this.locks.get(id) === chain) this.locks.delete(id);
    }
  }

  async firstTime(key: string, ttlSeconds: number) {
    if (this.seen.get(key)) return false;
    this.sweep();
    this.seen.set(key, true, ttlSeconds * 1000);
    return true;
  }

  async alias(key: string, id: string) {
    this.sweep();
    this.aliases.set(key, id, this.ttlMs);
  }

  async resolve(key: string) {
    return this.aliases.get(key);
  }

  /** Entries held, expired or not (they go at the next sweep): for checking that memory is given back. */
  get size(): number {
    return this.records.size + this.seen.size + this.aliases.size;
  }

  async close() {}
}
