import { loadCatalogue } from "../catalogue/load.js";
import type { Catalogue } from "../catalogue/schema.js";
import { SIGNATURES } from "../evidence/signatures.js";
import { EVIDENCE_FILE, loadEvidenceTable, type Weights } from "../evidence/table.js";
import { flowFiles, loadFlows, type LoadedFlow } from "../flows/load.js";
import { producedFacts } from "../flows/validate.js";
import { defaultProbes } from "../probes/index.js";
import type { ProbeRegistry } from "../probes/types.js";

export type Definitions = {
  catalogue: Catalogue;
  flows: Map<string, LoadedFlow>;
  probes: ProbeRegistry;
  weights: Weights;
};

/**
 * The catalogue, every flow, the probe registry and the evidence table, validated against each other. Throws
 * DataFileError naming the file, line and path of every problem.
 */
export function loadDefinitions(
  opts: { flowFiles?: string[]; probes?: ProbeRegistry; evidenceFile?: string } = {},
): Definitions {
  const catalogue = loadCatalogue();
  const probes = opts.probes ?? defaultProbes;
  const causes = new Set(catalogue.causes.map((c) => c.id));
  const flows = loadFlows(opts.flowFiles ?? flowFiles(), { probes, causes });
  const questions = new Map<string, Set<string>>();
  const facts = new Set<string>();
  for (const { flow } of flows.values()) {
    for (const [id, node] of Object.entries(flow.nodes))
      if (node.kind === "question" && node.choices) questions.set(id, new Set(node.choices.map((c) => c.value)));
    for (const f of producedFacts(flow, probes)) facts.add(f);
  }
  const weights = loadEvidenceTable(
    {
      causes,
      findings: new Map([...probes.values()].map((p) => [p.name, new Set(Object.keys(p.findings))])),
      signatures: new Set(SIGNATURES.map((s) => s.id)),
      questions,
      facts,
    },
    opts.evidenceFile ?? EVIDENCE_FILE,
  );
  return { catalogue, flows, probes, weights };
}
