// Continues a stored diagnosis in a fresh Node process, from the built code, and prints its report as JSON.
// Usage: node continue-in-child.mjs <redis-url|memory> <diagnosis-id> '<answers json>'  (memory: record JSON on stdin)
import { readFileSync } from "node:fs";
import { loadDefinitions } from "../../dist/engine/definitions.js";
import { createEngine } from "../../dist/engine/engine.js";
import { createLogger } from "../../dist/log.js";
import { buildReport } from "../../dist/report/build.js";
import { MemoryStore } from "../../dist/store/memory.js";
import { RedisStore } from "../../dist/store/redis.js";

const [storeArg, id, answersJson] = process.argv.slice(2);
const answers = JSON.parse(answersJson);
const store = storeArg === "memory" ? new MemoryStore() : new RedisStore({ url: storeArg });
if (storeArg === "memory") await store.put(JSON.parse(readFileSync(0, "utf8")));

const defs = loadDefinitions();
const engine = createEngine({ ...defs, store, log: createLogger({ level: "silent", pretty: false }) });
const step = await engine.continue(id, { targets: { nodes: [] } }, undefined, (q) => ({
  type: "ANSWER",
  question: q.id,
  value: answers[q.id] ?? null,
  source: q.id in answers ? "user" : "default",
  ...(q.id in answers ? { by: "tester" } : {}),
}));
await store.close();
process.stdout.write(JSON.stringify(buildReport(step.record, defs.flows.get(step.record.flow.id).flow, defs)));
