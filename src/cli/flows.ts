import { resolve } from "node:path";
import { loadCatalogue } from "../catalogue/load.js";
import { flowFiles, loadFlows, type LoadedFlow } from "../flows/load.js";
import { describeFlowData } from "../flows/describe.js";
import { flowJsonSchema } from "../flows/json-schema.js";
import type { Flow } from "../flows/schema.js";
import { defaultProbes } from "../probes/index.js";
import { DataFileError, type DataProblem } from "../data/load-yaml.js";
import { exploreFlow } from "../engine/explore.js";

/** Validates flow files (all of flows/ by default); throws DataFileError listing every problem. */
export function checkFlows(files: string[]): void {
  const catalogue = loadCatalogue();
  const paths = files.length ? files.map((f) => resolve(f)) : flowFiles();
  const flows = loadFlows(paths, { probes: defaultProbes, causes: new Set(catalogue.causes.map((c) => c.id)) });
  const problems: DataProblem[] = [];
  for (const { flow, file, version, lineOf } of flows.values()) {
    const at = (node: string, message: string): DataProblem => ({
      file,
      path: ["nodes", node],
      line: lineOf(["nodes", node]),
      message,
    });
    // Walk every path through the compiled machine: a branch no answer can reach is as wrong as a dangling target.
    const walk = exploreFlow(
      flow,
      defaultProbes,
      catalogue.causes.map((c) => c.id),
    );
    problems.push(...walk.stuck.map((s) => at(s.path.at(-1)!, `a path stops here: ${s.reason}`)));
    problems.push(
      ...walk.untaken.map((edge) => at(edge.split(" ")[0]!, `no answer or probe outcome ever takes ${edge}`)),
    );
    if (walk.stuck.length === 0 && walk.untaken.length === 0) {
      process.stdout.write(
        `ok ${file}: flow "${flow.id}" version ${version}, ${Object.keys(flow.nodes).length} nodes, ${walk.paths.length} paths, each ending in a conclusion\n`,
      );
    }
  }
  if (problems.length) throw new DataFileError(problems);
}

export function printFlowSchema(): void {
  process.stdout.write(`${JSON.stringify(flowJsonSchema(), null, 2)}\n`);
}

/** `flows show`: the flow as text, or with `json` as one JSON document (nodes, questions, conclusions). */
export function showFlow(loaded: LoadedFlow, json: boolean): string {
  return json ? JSON.stringify(describeFlowData(loaded), null, 2) : describeFlow(loaded.flow);
}

/** The questions of a flow with their ids and accepted values: what `--answer ID=VALUE` takes. */
function describeFlow(flow: Flow): string {
  const lines = [`${flow.id}: ${flow.title}`];
  for (const [id, node] of Object.entries(flow.nodes)) {
    if (node.kind === "question") {
      lines.push(`  ${id}: ${node.text}`);
      if (node.choices) for (const c of node.choices) lines.push(`      ${c.value.padEnd(24)} ${c.label}`);
      else lines.push(`      (text: ${node.input!.hint})`);
    } else if (node.kind === "probe") {
      lines.push(`  ${id}: probe ${node.probe}`);
    }
  }
  return lines.join("\n");
}
