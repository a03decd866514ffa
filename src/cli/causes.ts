import type { Catalogue } from "../catalogue/schema.js";

export function renderCauses(catalogue: Catalogue, json: boolean): string {
  if (json) return JSON.stringify(catalogue.causes, null, 2);
  return catalogue.causes.map((c) => `${c.id.padEnd(18)} ${c.title}\n${" ".repeat(19)}${c.summary}`).join("\n\n");
}
