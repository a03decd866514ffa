// Every lab scenario diagnosed through the CLI's non-interactive contract: accuracy, questions, probes, time.
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bringUp, loadScenarios } from "../dist/lab/scenario.js";

const BIN = new URL("../bin/sessiondoc.js", import.meta.url).pathname;

function run(args) {
  const started = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });
  return { ms: performance.now() - started, report: JSON.parse(r.stdout), code: r.status };
}

export async function benchLab() {
  const workDir = mkdtempSync(join(tmpdir(), "sessiondoc-bench-lab-"));
  const rows = [];
  for (const scenario of loadScenarios()) {
    const lab = await bringUp(scenario, { workDir });
    try {
      const { ms, report } = run(["diagnose", ...lab.args, "--non-interactive", "--json"]);
      const top = report.causes[0];
      const diagnosed = report.verdict === "cause-found" ? top.id : report.verdict;
      rows.push({
        id: scenario.id,
        expected: scenario.expect,
        diagnosed,
        confidence: report.verdict === "cause-found" ? top.confidence : null,
        asked: report.questions.filter((q) => q.source === "user").length,
        byProbes: report.questions.filter((q) => q.source === "probe").length,
        probes: report.probes.filter((p) => p.status !== "skipped").length,
        ms,
      });
    } finally {
      await lab.stop();
    }
  }
  console.log("\nLab scenarios (sessiondoc diagnose --non-interactive --json, wall time including process start)");
  console.log(
    "scenario                  | expected          | diagnosed          | conf. | asked | by probes | probes | time",
  );
  for (const r of rows) {
    const ok = r.diagnosed === r.expected ? " " : "✗";
    console.log(
      `${r.id.padEnd(25)} | ${r.expected.padEnd(17)} | ${(r.diagnosed + ok).padEnd(18)} | ${r.confidence === null ? "  -  " : r.confidence.toFixed(2).padStart(5)} | ${String(r.asked).padStart(5)} | ${String(r.byProbes).padStart(9)} | ${String(r.probes).padStart(6)} | ${(r.ms / 1000).toFixed(2)} s`,
    );
  }
  const faults = rows.filter((r) => r.expected !== "no-fault-found");
  const healthy = rows.filter((r) => r.expected === "no-fault-found");
  const times = rows.map((r) => r.ms);
  console.log(
    `top-1 accuracy ${faults.filter((r) => r.diagnosed === r.expected).length}/${faults.length}; false alarms on healthy systems ${healthy.filter((r) => r.diagnosed !== "no-fault-found").length}/${healthy.length}; time mean ${(times.reduce((a, b) => a + b, 0) / times.length / 1000).toFixed(2)} s, max ${(Math.max(...times) / 1000).toFixed(2)} s`,
  );
  return rows;
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
  await benchLab();
  benchColdStart();
}
