// Lint rules for the whole tree; `npm test` runs them. Layering rules live beside the rest so that one file
// says what may import what.
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";
import { layers } from "./eslint/layers.js";

// Each folder of src/ and what it may import besides itself and the shared top files (log, redact, paths, units).
// Dependencies point inward: the entry (main.ts) starts a door; the doors (cli, slack) read the configuration, drive
// the engine and render its reports; the engine runs probes by name and keeps records in the store; flows, the
// catalogue and the evidence table are data it loads (data/ reads YAML); model holds the types the layers share.
// Nothing imports a door or the lab, and probe families never import each other. `probes` is the probe contract and
// registry (src/probes/*.ts), `probes/*` any family under it.
const core = ["data", "model"];
const engine = ["flows", "catalogue", "evidence", "probes", "store", "jobs", ...core];
const doors = ["report", "config", "engine", "probes/*", ...engine];
const inward = {
  main: ["cli", "slack", ...doors],
  cli: doors,
  slack: doors,
  report: ["engine", "flows", "catalogue", "evidence", ...core],
  config: ["probes/*", ...core],
  engine,
  flows: ["probes", ...core],
  catalogue: core,
  evidence: core,
  store: ["model"],
  // Background work behind one interface (jobs/index.ts): BullMQ in Redis, or this process.
  jobs: [],
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
