import type { DiagnosisRecord } from "../engine/record.js";

/** Where diagnoses live between steps. Records are validated when read, so a corrupt one is an error, not a crash later. */
export interface DiagnosisStore {
  get(id: string): Promise<DiagnosisRecord | undefined>;
  put(record: DiagnosisRecord): Promise<void>;
  /** Most recently updated first. */
  recent(limit: number): Promise<DiagnosisRecord[]>;
  close(): Promise<void>;
}

export class StoreError extends Error {
  override name = "StoreError";
}
