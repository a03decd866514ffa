import { loadCatalogue } from "../catalogue/load.js";
import type { Catalogue } from "../catalogue/schema.js";
import { flowFiles, loadFlows, type LoadedFlow } from "../flows/load.js";
import { defaultProbes } from "../probes/index.js";
import type { ProbeRegistry } from "../probes/types.js";

export type Definitions = { catalogue: Catalogue; flows: Map<string, LoadedFlow>; probes: ProbeRegistry };

/** The catalogue, every flow and the probe registry, validated against each other. Throws DataFileError. */
export function loadDefinitions(opts: { flowFiles?: string[]; probes?: ProbeRegistry } = {}): Definitions {
  const catalogue = loadCatalogue();
  const probes = opts.probes ?? defaultProbes;
  const flows = loadFlows(opts.flowFiles ?? flowFiles(), {
    probes,
    causes: new Set(catalogue.causes.map((c) => c.id)),
  });
  return { catalogue, flows, probes };
}
