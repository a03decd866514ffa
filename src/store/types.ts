import type { DiagnosisRecord } from "../model/diagnosis.js";

export class StoreError extends Error {
  override name = "StoreError";
}

/** Where diagnoses live between steps. Records are validated when read, so a corrupt one is an error, not a crash later. */
export interface DiagnosisStore {
  get(id: string): Promise<DiagnosisRecord | undefined>;
  put(record: DiagnosisRecord): Promise<void>;
  /** Most recently updated first. */
  recent(limit: number): Promise<DiagnosisRecord[]>;
  /**
   * Runs `fn` holding the lock named `id` (a diagnosis, or a piece of work), so two processes never do it at once;
   * waits up to `waitMs` for it (0: try once). The holder keeps the lock alive while `fn` runs; it expires `ttlMs`
   * after its holder dies.
   */
  withLock<T>(id: string, fn: () => Promise<T>, opts?: { ttlMs?: number; waitMs?: number }): Promise<T>;
  /** True the first time `key` is seen within `ttlSeconds`: for retried requests and double clicks. */
  firstTime(key: string, ttlSeconds: number): Promise<boolean>;
  /** Names a diagnosis by another key (a Slack thread), and finds it by that key. */
  alias(key: string, id: string): Promise<void>;
  resolve(key: string): Promise<string | undefined>;
  close(): Promise<void>;
}

export class LockTimeout extends StoreError {
  override name = "LockTimeout";
}

/** How long a diagnosis is kept after its last step, by default. */
export const DEFAULT_TTL_SECONDS = 7 * 24 * 3600;

/**
 * A holder renews its lock every third of `ttlMs`, so the lock outlives any step however long, and a process that
 * died releases its locks within `ttlMs`.
 */
export const LOCK_DEFAULTS = { ttlMs: 5_000, waitMs: 30_000 };
