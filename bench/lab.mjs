// Every lab scenario proven and diagnosed through the CLI's non-interactive contract: per scenario what was expected
// and found, and totals kept apart for the scenarios the evidence weights were tuned on and the held-out ones.
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { questionsAsked, runScenario } from "../dist/lab/run.js";
import { loadScenarios } from "../dist/lab/scenario.js";
import { describeStack, expectedVerdict } from "../dist/lab/schema.js";

const BIN = new URL("../bin/sessiondoc.js", import.meta.url).pathname;

function run(args) {
  const started = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });
  return { ms: performance.now() - started, report: JSON.parse(r.stdout), code: r.status };
}

/**
 * How a result counts: for a fault `right`, `wrong-cause` (a confident wrong cause), `inconclusive` or
 * `false-all-clear`; for a healthy system `no-fault-found`, `false-alarm` or `inconclusive`. A fault whose honest
 * expectation is inconclusive counts as right when inconclusive.
 */
function tally(scenario, outcome) {
  if (scenario.expect === "no-fault-found") return outcome === "right" ? "no-fault-found" : outcome;
  if (outcome === "inconclusive" && expectedVerdict(scenario) === "inconclusive") return "right";
  return outcome;
}

const group = (s) => (s.heldOut ? "held-out" : "tuned");

const COLUMNS = [
  ["scenario", 46],
  ["stack", 28],
  ["set", 8],
  ["expected", 30],
  ["verdict", 14],
  ["top cause", 17],
  ["conf.", 5],
  ["asked", 5],
  ["after answers", 16],
  ["time", 7],
];

function line(values) {
  return values.map((v, i) => String(v).padEnd(COLUMNS[i][1])).join(" | ");
}

const isRight = (counted) => counted === "right" || counted === "no-fault-found";
const MISLEADS = ["wrong-cause", "false-alarm", "false-all-clear"];

/** One row per scenario; a scenario whose proof or start failed is a row with its error, counted apart. */
function row(scenario, result) {
  const expected = expectedVerdict(scenario) === "inconclusive" ? `${scenario.expect} (inconclusive)` : scenario.expect;
  const base = [scenario.id, describeStack(scenario), group(scenario), expected];
  if ("error" in result)
    return line([...base, "error", "-", "-", "-", "-", "-"]) + `\n  ${result.error.split("\n")[0]}`;
  const top = result.report.causes[0];
  const mark = isRight(result.counted) ? "" : " ✗";
  return line([
    ...base,
    result.report.verdict + mark,
    top.id,
    top.confidence.toFixed(2),
    result.asked,
    result.stepped ? `${result.stepped.final.report.verdict}${isRight(result.after) ? "" : " ✗"}` : "-",
    `${(result.ms / 1000).toFixed(1)} s`,
  ]);
}

function totals(label, results) {
  const ok = results.filter((r) => !("error" in r));
  const faults = ok.filter((r) => r.scenario.expect !== "no-fault-found");
  const healthy = ok.filter((r) => r.scenario.expect === "no-fault-found");
  const count = (list, what) => list.filter((r) => r.counted === what).length;
  const errors = results.length - ok.length;
  console.log(
    `${label}: ${faults.length} broken — diagnosed right ${count(faults, "right")}, confident wrong cause ${count(faults, "wrong-cause")}, inconclusive ${count(faults, "inconclusive")}, false all-clear ${count(faults, "false-all-clear")}; ` +
      `${healthy.length} healthy — no-fault-found ${count(healthy, "no-fault-found")}, false alarm ${count(healthy, "false-alarm")}, inconclusive ${count(healthy, "inconclusive")}` +
      (errors ? `; ${errors} not run (the lab failed to build or prove them)` : ""),
  );
  const stepped = ok.filter((r) => r.stepped);
  if (stepped.length)
    console.log(
      `  ${stepped.length} left questions; once a person who knows the system answered them: right ${stepped.filter((r) => isRight(r.after)).length}, ` +
        `inconclusive ${stepped.filter((r) => r.after === "inconclusive").length}, misleading ${stepped.filter((r) => MISLEADS.includes(r.after)).length}`,
    );
}

/** `heldOutOnly`: only the scenarios the weights were not tuned on. */
export async function benchLab({ heldOutOnly = false } = {}) {
  const workDir = mkdtempSync(join(tmpdir(), "sessiondoc-bench-lab-"));
  const scenarios = loadScenarios().filter((s) => !heldOutOnly || s.heldOut);
  console.log(
    "\nLab scenarios, one at a time: proven with the lab's own client, then `sessiondoc diagnose --non-interactive --json`" +
      "\n(time: the first diagnosis, process start included; asked: questions a person answers, up front or when asked," +
      "\nnot those probes answered; after answers: the verdict once a person who knows the system answered what was" +
      "\nasked (the scenario's `knows`); ✗: not what a correct diagnosis says)",
  );
  console.log(line(COLUMNS.map(([name]) => name)));
  const results = [];
  for (const scenario of scenarios) {
    let result;
    try {
      const r = await runScenario(scenario, workDir);
      const upFront = r.report.questions.filter((q) => q.source === "user").length;
      result = {
        ...r,
        asked: upFront + questionsAsked(r).length,
        counted: tally(scenario, r.outcome),
        after: r.stepped ? tally(scenario, r.stepped.final.outcome) : undefined,
      };
    } catch (err) {
      result = { scenario, error: err.message };
    }
    results.push(result);
    console.log(row(scenario, result));
  }
  const tuned = results.filter((r) => !r.scenario.heldOut);
  const heldOut = results.filter((r) => r.scenario.heldOut);
  if (tuned.length) totals("TUNED scenarios (the evidence weights were developed on these)", tuned);
  if (heldOut.length) totals("HELD-OUT scenarios (never used to tune the weights)", heldOut);
  const times = results.filter((r) => !("error" in r)).map((r) => r.ms);
  if (times.length)
    console.log(
      `time to verdict: mean ${(times.reduce((a, b) => a + b, 0) / times.length / 1000).toFixed(2)} s, max ${(Math.max(...times) / 1000).toFixed(2)} s`,
    );
  return results;
}

export function benchColdStart() {
  const measure = (args) => {
    const times = [];
    for (let i = 0; i < 7; i++) times.push(run(args).ms);
    return times.sort((a, b) => a - b)[3];
  };
  console.log("\nCLI cold start (median of 7)");
  console.log(`sessiondoc causes --json: ${measure(["causes", "--json"]).toFixed(0)} ms`);
  console.log(
    `sessiondoc diagnose --non-interactive --json (no targets): ${measure(["diagnose", "--non-interactive", "--json"]).toFixed(0)} ms`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchLab({ heldOutOnly: process.argv.includes("--held-out") });
  benchColdStart();
}
