import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { projectPath } from "../paths.js";
import { DataFileError, readYaml, validateYaml, type DataProblem, type YamlSource } from "../data/load-yaml.js";
import { Flow } from "./schema.js";
import { checkFlow, type FlowContext } from "./validate.js";

export const FLOWS_DIR = projectPath("flows");

export type LoadedFlow = { flow: Flow; file: string; version: string; lineOf: YamlSource["lineOf"] };

export function loadFlow(file: string, ctx: FlowContext): LoadedFlow {
  return fromSource(readYaml(file), ctx);
}

export function fromSource(source: YamlSource, ctx: FlowContext): LoadedFlow {
  const flow = validateYaml(source, Flow);
  const problems = checkFlow(flow, source, ctx);
  if (problems.length > 0) throw new DataFileError(problems);
  return { flow, file: source.file, version: flowVersion(flow), lineOf: source.lineOf };
}

/** Changes whenever the flow's meaning changes (not its comments or layout); stored with every diagnosis. */
export function flowVersion(flow: Flow): string {
  return createHash("sha256").update(JSON.stringify(flow)).digest("hex").slice(0, 12);
}

export function flowFiles(dir = FLOWS_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

/** Loads every flow, collecting the problems of all files rather than stopping at the first. */
export function loadFlows(files: string[], ctx: FlowContext): Map<string, LoadedFlow> {
  const flows = new Map<string, LoadedFlow>();
  const problems: DataProblem[] = [];
  for (const file of files) {
    try {
      const loaded = loadFlow(file, ctx);
      const clash = flows.get(loaded.flow.id);
      if (clash)
        problems.push({
          file: loaded.file,
          path: ["id"],
          line: 1,
          message: `flow id "${loaded.flow.id}" is also used by ${clash.file}`,
        });
      else flows.set(loaded.flow.id, loaded);
    } catch (err) {
      if (!(err instanceof DataFileError)) throw err;
      problems.push(...err.problems);
    }
  }
  if (problems.length > 0) throw new DataFileError(problems);
  return flows;
}
