import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { LineCounter, parseDocument, type Document } from "yaml";
import type { z } from "zod";
import { projectPath } from "../paths.js";

export type PathSegment = string | number;

/** JSON copies of data files already parsed, by content (node_modules/.cache is where tools keep such things). */
const CACHE_DIR = projectPath("node_modules", ".cache", "sessiondoc");

export type DataProblem = { file: string; path: PathSegment[]; line?: number; message: string };

/** Raised for data files that cannot be used; every problem names the file, the path inside it and what is wrong. */
export class DataFileError extends Error {
  constructor(readonly problems: DataProblem[]) {
    super(problems.map(formatProblem).join("\n"));
    this.name = "DataFileError";
  }
}

export function formatPath(path: PathSegment[]): string {
  if (path.length === 0) return "(top level)";
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

export function formatProblem(p: DataProblem): string {
  const where = p.line ? `${p.file}:${p.line}` : p.file;
  return `${where}: ${formatPath(p.path)}: ${p.message}`;
}

/** A parsed YAML file that can locate any path inside it, for error messages. */
export type YamlSource = { file: string; data: unknown; lineOf(path: PathSegment[]): number | undefined };

/**
 * Reads a YAML file. A file parsed before (same content) is read from a JSON copy: parsing YAML with positions is
 * most of a cold start. Positions are only needed for errors, so they are worked out from the YAML when asked.
 */
export function readYaml(file: string): YamlSource {
  const display = displayName(file);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new DataFileError([
      { file: display, path: [], message: `cannot read file (${(err as NodeJS.ErrnoException).code ?? err})` },
    ]);
  }
  const cached = join(CACHE_DIR, `${createHash("sha256").update(text).digest("hex").slice(0, 32)}.json`);
  try {
    const data: unknown = JSON.parse(readFileSync(cached, "utf8"));
    let parsed: YamlSource | undefined;
    return { file: display, data, lineOf: (path) => (parsed ??= parseYaml(text, display)).lineOf(path) };
  } catch {
    const source = parseYaml(text, display);
    try {
      mkdirSync(CACHE_DIR, { recursive: true });
      writeFileSync(cached, JSON.stringify(source.data));
    } catch {
      // A read-only install parses every time: slower, not wrong.
    }
    return source;
  }
}

export function parseYaml(text: string, file: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new DataFileError(
      doc.errors.map((e) => ({
        file,
        path: [],
        line: e.linePos?.[0]?.line,
        message: `invalid YAML: ${e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")}`,
      })),
    );
  }
  return { file, data: doc.toJS(), lineOf: (path) => lineOf(doc, lineCounter, path) };
}

function lineOf(doc: Document, counter: LineCounter, path: PathSegment[]): number | undefined {
  // Walk up until a node exists: a missing key is reported at its parent.
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === "object" && node.range) return counter.linePos(node.range[0]).line;
  }
  return undefined;
}

/** Validates parsed YAML against a zod schema, turning every issue into a located problem. */
export function validateYaml<S extends z.ZodType>(source: YamlSource, schema: S): z.infer<S> {
  const result = schema.safeParse(source.data);
  if (result.success) return result.data;
  throw new DataFileError(
    result.error.issues.map((issue) => {
      const path = issue.path.filter((p): p is PathSegment => typeof p !== "symbol");
      // Point at the unknown key itself, which is what a person has to fix.
      if (issue.code === "unrecognized_keys") {
        const keyPath = [...path, issue.keys[0]!];
        const message = `unknown key${issue.keys.length > 1 ? `s ${issue.keys.map((k) => `"${k}"`).join(", ")}` : ` "${issue.keys[0]}"`}: remove it or check its spelling`;
        return { file: source.file, path: keyPath, line: source.lineOf(keyPath), message };
      }
      return { file: source.file, path, line: source.lineOf(path), message: issue.message };
    }),
  );
}

function displayName(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith("..") ? file : rel;
}
