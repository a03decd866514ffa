import type { Catalogue } from "../catalogue/schema.js";
import { UsageError } from "./usage.js";

/** The catalogue in one line per cause, or one cause in full: symptoms, how it is told, fixes and snippets. */
export function renderCauses(catalogue: Catalogue, json: boolean, id?: string): string {
  if (id === undefined) {
    if (json) return JSON.stringify(catalogue.causes, null, 2);
    return catalogue.causes.map((c) => `${c.id.padEnd(18)} ${c.title}\n${" ".repeat(19)}${c.summary}`).join("\n\n");
  }
  const cause = catalogue.causes.find((c) => c.id === id);
  if (!cause) throw new UsageError(`no cause "${id}" (causes: ${catalogue.causes.map((c) => c.id).join(", ")})`);
  if (json) return JSON.stringify(cause, null, 2);
  const list = (title: string, items: string[]) => [`${title}:`, ...items.map((i) => `  • ${i}`), ""];
  return [
    `${cause.id} — ${cause.title}`,
    cause.summary,
    "",
    ...list("What users see", cause.symptoms),
    ...list("Confirmed by", cause.confirms),
    ...list("Ruled out by", cause.rulesOut),
    ...list("Fix", cause.fixes),
    ...cause.snippets.flatMap((s) => [
      `${s.title} (${s.stack}):`,
      ...s.code
        .trimEnd()
        .split("\n")
        .map((l) => `    ${l}`),
      "",
    ]),
  ]
    .join("\n")
    .trimEnd();
}
