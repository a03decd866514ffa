import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { DataFileError, readYaml, validateYaml, type YamlSource } from "../data/load-yaml.js";
import { Config } from "./schema.js";

export const DEFAULT_CONFIG_FILE = "sessiondoc.yaml";

/**
 * `${VAR}` in the config's strings comes from the environment; a missing variable is an error, not "". Login
 * values stay as written (probes read them from the environment at request time, so they never sit in memory),
 * but their variables must be set too: a login sent with an empty password would fail for the wrong reason.
 */
function expandEnv(source: YamlSource, env: NodeJS.ProcessEnv): YamlSource {
  const missing: Array<{ path: Array<string | number>; name: string }> = [];
  const walk = (v: unknown, path: Array<string | number>): unknown => {
    const login = path[0] === "targets" && path[2] === "login";
    if (typeof v === "string") {
      const expanded = v.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced?: string, plain?: string) => {
        const name = (braced ?? plain)!;
        if (plain !== undefined && !login) return whole;
        if (env[name] === undefined) missing.push({ path, name });
        return env[name] ?? "";
      });
      return login ? v : expanded;
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, i]));
    if (v && typeof v === "object")
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, [...path, k])]));
    return v;
  };
  const data = walk(source.data, []);
  if (missing.length) {
    throw new DataFileError(
      missing.map(({ path, name }) => ({
        file: source.file,
        path,
        line: source.lineOf(path),
        message: `environment variable ${name} is not set; export it before starting`,
      })),
    );
  }
  return { ...source, data };
}

/**
 * The configuration: `SESSIONDOC_CONFIG` or ./sessiondoc.yaml, validated with errors that name the key and what
 * to do. No file is a valid, empty configuration (no named targets).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): { config: Config; file?: string } {
  const file = env.SESSIONDOC_CONFIG ?? DEFAULT_CONFIG_FILE;
  if (!env.SESSIONDOC_CONFIG && !existsSync(file)) return { config: Config.parse({}) };
  const source = expandEnv(readYaml(resolve(file)), env);
  return { config: validateYaml(source, Config), file };
}
