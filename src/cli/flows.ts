import { resolve } from "node:path";
import { loadCatalogue } from "../catalogue/load.js";
import { flowFiles, loadFlows } from "../flows/load.js";
import { flowJsonSchema } from "../flows/json-schema.js";
import type { Flow } from "../flows/schema.js";
import { defaultProbes } from "../probes/index.js";

/** Validates flow files (all of flows/ by default); throws DataFileError listing every problem. */
export function checkFlows(files: string[]): void {
  const catalogue = loadCatalogue();
  const paths = files.length ? files.map((f) => resolve(f)) : flowFiles();
  const flows = loadFlows(paths, { probes: defaultProbes, causes: new Set(catalogue.causes.map((c) => c.id)) });
  for (const { flow, file, version } of flows.values()) {
    process.stdout.write(`ok ${file}: flow "${flow.id}" version ${version}, ${Object.keys(flow.nodes).length} nodes\n`);
  }
}

export function printFlowSchema(): void {
  process.stdout.write(`${JSON.stringify(flowJsonSchema(), null, 2)}\n`);
}

/** The questions of a flow with their ids and accepted values: what `--answer ID=VALUE` takes. */
export function describeFlow(flow: Flow): string {
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
