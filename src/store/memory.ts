import { DiagnosisRecord } from "../model/diagnosis.js";
import { LOCK_DEFAULTS, LockTimeout, type DiagnosisStore } from "./types.js";

/** Keeps records as JSON text, so what comes back is a copy that went through the same validation as Redis. */
export class MemoryStore implements DiagnosisStore {
  private readonly records = new Map<string, string>();

  async get(id: string) {
    const json = this.records.get(id);
    return json === undefined ? undefined : DiagnosisRecord.parse(JSON.parse(json));
  }

  async put(record: DiagnosisRecord) {
    this.records.delete(record.id); // re-insert so iteration order is update order
    this.records.set(record.id, JSON.stringify(record));
  }

  async recent(limit: number) {
    const ids = [...this.records.keys()].reverse().slice(0, limit);
    return Promise.all(ids.map(async (id) => (await this.get(id))!));
  }

  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly seen = new Map<string, number>();
  private readonly aliases = new Map<string, string>();

  async withLock<T>(id: string, fn: () => Promise<T>, opts: { waitMs?: number } = {}): Promise<T> {
    const waitMs = opts.waitMs ?? LOCK_DEFAULTS.waitMs;
    const previous = this.locks.get(id) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const chain = previous.then(() => mine);
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
    const now = Date.now();
    const until = this.seen.get(key);
    if (until !== undefined && until > now) return false;
    this.seen.set(key, now + ttlSeconds * 1000);
    return true;
  }

  async alias(key: string, id: string) {
    this.aliases.set(key, id);
  }

  async resolve(key: string) {
    return this.aliases.get(key);
  }

  async close() {}
}
