import { DiagnosisRecord } from "../engine/record.js";
import type { DiagnosisStore } from "./types.js";

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

  async close() {}
}
