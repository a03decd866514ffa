// Lint rules for the whole tree; `npm test` runs them. Layering rules live beside the rest so that one file
// says what may import what.
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";
import { layers } from "./eslint/layers.js";

// Each folder of src/ and what it may import besides itself and the shared top files. Dependencies point inward:
// the entry (main.ts) starts a door; the doors (cli, slack) drive the engine and render reports; the engine runs
// probes by name and keeps records in the store; flows, the catalogue and the evidence table are data it loads;
// model holds the types every layer shares. Nothing imports a door or the lab, and probe families never import each
// other. `probes` is the probe contract and registry (src/probes/*.ts), `probes/*` any family under it.
const inward = {
  main: [
    "cli",
    "slack",
    "report",
    "config",
    "engine",
    "flows",
    "catalogue",
    "evidence",
    "probes",
    "probes/*",
    "store",
    "data",
    "model",
  ],
  cli: ["report", "config", "engine", "flows", "catalogue", "evidence", "probes", "probes/*", "store", "data", "model"],
  slack: [
    "report",
    "config",
    "engine",
    "flows",
    "catalogue",
    "evidence",
    "probes",
    "probes/*",
    "store",
    "data",
    "model",
  ],
  report: ["engine", "flows", "catalogue", "evidence", "data", "model"],
  config: ["probes/*", "data", "model"],
  engine: ["flows", "catalogue", "evidence", "probes", "store", "data", "model"],
  flows: ["probes", "data", "model"],
  catalogue: ["data", "model"],
  evidence: ["data", "model"],
  store: ["model"],
  probes: ["probes/*", "model"],
  "probes/*": ["probes", "model"],
  data: [],
  model: [],
  // The fault lab is a tool over everything.
  lab: ["*"],
};

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", ".lab/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
    },
  },
  {
    files: ["src/**/*.ts"],
    plugins: { local: { rules: { layers } } },
    rules: {
      "local/layers": ["error", { root: "src", shared: ["log", "redact", "paths", "units"], layers: inward }],
    },
  },
);
