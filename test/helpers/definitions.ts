import { loadCatalogue } from "../../src/catalogue/load.js";
import { loadDefinitions } from "../../src/engine/definitions.js";
import { parseYaml } from "../../src/data/load-yaml.js";
import { SIGNATURES } from "../../src/evidence/signatures.js";
import { loadEvidenceTable, type Weights } from "../../src/evidence/table.js";
import { fromSource, type LoadedFlow } from "../../src/flows/load.js";
import { producedFacts } from "../../src/flows/validate.js";
import type { ProbeRegistry } from "../../src/probes/types.js";
import { createLogger } from "../../src/log.js";
import { answerEvidence } from "../../src/engine/choose.js";
import type { QuestionNode } from "../../src/flows/schema.js";
import { factOf } from "../../src/flows/validate.js";
import { emptyContext, type DiagnosisContext, type Evidence } from "../../src/model/diagnosis.js";
import { testProbes } from "./probes.js";

export const catalogue = loadCatalogue();
/** The shipped definitions: the evidence table is checked against the real probes and flows. */
export const shipped = loadDefinitions();
export const weights = shipped.weights;
export const causes = new Set(catalogue.causes.map((c) => c.id));
export const quietLog = createLogger({ level: "silent", pretty: false });

/** The weights for fixture flows: a table of their own, checked against them and the test probes like the shipped one. */
export function fixtureWeights(file: string, flows: LoadedFlow[], probes: ProbeRegistry = testProbes): Weights {
  const questions = new Map<string, Set<string>>();
  const facts = new Set<string>();
  for (const { flow } of flows) {
    for (const [id, node] of Object.entries(flow.nodes))
      if (node.kind === "question" && node.choices) questions.set(id, new Set(node.choices.map((c) => c.value)));
    for (const f of producedFacts(flow, probes)) facts.add(f);
  }
  return loadEvidenceTable(
    {
      causes,
      findings: new Map([...probes.values()].map((p) => [p.name, new Set(Object.keys(p.findings))])),
      signatures: new Set(SIGNATURES.map((s) => s.id)),
      questions,
      facts,
    },
    file,
  );
}

/** A flow written inline in a test, loaded through the same path as flow files. */
export function flowFromText(text: string, probes: ProbeRegistry = testProbes, file = "inline.yaml"): LoadedFlow {
  return fromSource(parseYaml(text, file), { probes, causes });
}

/** The shipped flow, as the engine walks it. */
export const shippedFlow = shipped.flows.get("session-replication")!.flow;

/** A diagnosis of the shipped flow after these answers (as a person gives them) and these other observations. */
export function diagnosisOf(answers: Record<string, string>, observed: Evidence[] = []): DiagnosisContext {
  const ctx = emptyContext();
  for (const [question, value] of Object.entries(answers)) {
    const node = shippedFlow.nodes[question] as QuestionNode;
    ctx.facts[factOf(question, node)] = { value, source: "user", from: question };
    ctx.evidence.push(...answerEvidence(question, node, value, shipped.weights));
  }
  ctx.evidence.push(...observed);
  return ctx;
}

/** What a probe of the shipped flow's node reported, as the engine records it. */
export function probeEvidence(probe: string, finding: string, data?: Evidence["data"]): Evidence {
  const node = probe.replace(".", "-");
  return {
    id: `probe:${node}:${finding}`,
    source: "probe",
    ref: node,
    observation: `${probe}/${finding}`,
    summary: finding,
    ...(data ? { data } : {}),
  };
}

/** The continuity probe's finding that the session held through the balancer, on `backends` backends. */
export function sessionHolds(backends: number): Evidence {
  return probeEvidence("http.continuity", "session-holds", {
    requests: 12,
    anonymous: 0,
    replaced: 0,
    backends,
    rotatedAtLogin: false,
  });
}
