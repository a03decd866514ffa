import { projectPath } from "../paths.js";
import { readYaml, validateYaml } from "../data/load-yaml.js";
import { Catalogue } from "./schema.js";

export const DEFAULT_CATALOGUE_FILE = projectPath("catalogue", "causes.yaml");

let cached: Catalogue | undefined;

export function loadCatalogue(file = DEFAULT_CATALOGUE_FILE): Catalogue {
  if (file !== DEFAULT_CATALOGUE_FILE) return validateYaml(readYaml(file), Catalogue);
  cached ??= validateYaml(readYaml(file), Catalogue);
  return cached;
}
