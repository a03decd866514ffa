import { loadCatalogue } from "../../src/catalogue/load.js";
import { parseYaml } from "../../src/data/load-yaml.js";
import { fromSource, type LoadedFlow } from "../../src/flows/load.js";
import type { ProbeRegistry } from "../../src/probes/types.js";
import { createLogger } from "../../src/log.js";
import { testProbes } from "./probes.js";

export const catalogue = loadCatalogue();
export const causes = new Set(catalogue.causes.map((c) => c.id));
export const quietLog = createLogger({ level: "silent", pretty: false });

/** A flow written inline in a test, loaded through the same path as flow files. */
export function flowFromText(text: string, probes: ProbeRegistry = testProbes, file = "inline.yaml"): LoadedFlow {
  return fromSource(parseYaml(text, file), { probes, causes });
}
