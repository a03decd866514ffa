import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { projectPath } from "../paths.js";
import { MISLEADING } from "./grade.js";
import { killTree } from "./processes.js";
import type { Report } from "../report/schema.js";
import { questionsAsked, runScenarios, type ScenarioRun } from "./run.js";
import { bringUp, loadScenarios } from "./scenario.js";
import { describeStack, expectedVerdict, type Scenario } from "./schema.js";

// `npm run lab -- list | up <scenario> | down <scenario>|--all | prove <scenario>… | check [--all|--slow|ids…]`: the lab as a demo a new
// user can run by hand, and the full multi-stack check CI runs after the tests.
const STATE_DIR = projectPath(".lab");

type State = { id: string; pids: number[]; dirs: string[]; command: string };

function statePath(id: string) {
  return join(STATE_DIR, `${id}.json`);
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`;
}

function stop(state: State): void {
  for (const pid of state.pids) killTree(pid);
  for (const dir of state.dirs) rmSync(dir, { recursive: true, force: true });
  rmSync(statePath(state.id), { force: true });
}

function verdictOf(report: Report): string {
  const top = report.causes[0]!;
  return report.verdict === "cause-found" ? `${top.id} ${Math.round(top.confidence * 100)} %` : report.verdict;
}

async function check(scenarios: Scenario[]): Promise<number> {
  const workDir = join(STATE_DIR, "check");
  mkdirSync(workDir, { recursive: true });
  let bad = 0;
  let reported = 0;
  const line = (r: ScenarioRun | { scenario: Scenario; error: Error }) => {
    if ("error" in r) {
      bad++;
      process.stdout.write(`✗ ${r.scenario.id}: ${r.error.message.split("\n")[0]}\n`);
      return;
    }
    const named = verdictOf(r.report);
    const tooMany = questionsAsked(r).length > r.scenario.questions;
    // Answering truthfully must never lead to a misleading verdict either.
    const misled = MISLEADING.has(r.outcome) || (r.stepped !== undefined && MISLEADING.has(r.stepped.final.outcome));
    const ok = r.asExpected && !misled && !tooMany;
    // A held-out scenario measures the product rather than guarding it: a miss that misleads nobody (inconclusive,
    // or more questions than hoped) is reported, not failed. A misleading answer fails wherever it comes from.
    const heldOutMiss = !ok && r.scenario.heldOut && !misled;
    if (heldOutMiss) reported++;
    else if (!ok) bad++;
    const asked = r.asked.length ? `, would ask ${r.asked.join(", ")}` : "";
    const stepped = r.stepped
      ? `; answering ${r.stepped.answered.map((a) => (a.value === "unknown" ? `${a.question}?` : a.question)).join(", ")}: ${verdictOf(r.stepped.final.report)} (${r.stepped.final.outcome}${r.stepped.final.asked.length ? `, would still ask ${r.stepped.final.asked.join(", ")}` : ""})`
      : "";
    // What the person is left with: the report after their answers, where they were asked.
    const last = r.stepped?.final.report ?? r.report;
    const why = last.verdict === "inconclusive" ? ` — ${last.summary}` : "";
    process.stdout.write(
      `${ok ? "✓" : heldOutMiss ? "○" : "✗"} ${r.scenario.id}: ${named} (expected ${r.scenario.expect}, ${expectedVerdict(r.scenario)}; ${r.outcome}${asked}${stepped}) ${(r.ms / 1000).toFixed(1)} s${why}\n`,
    );
  };
  await runScenarios(scenarios, workDir, { concurrency: Number(process.env.LAB_CONCURRENCY ?? 3), onResult: line });
  const misses = reported
    ? `, ${reported} held-out misses (reported: inconclusive or more questions, not misleading)`
    : "";
  process.stdout.write(`${scenarios.length - bad - reported} passed, ${bad} failed${misses}\n`);
  return bad ? 1 : 0;
}

/**
 * Brings each scenario up, runs its proofs and stops it, without diagnosing: how a held-out scenario's author checks
 * that the system is what it claims without seeing what sessiondoc makes of it.
 */
async function prove(chosen: Scenario[]): Promise<number> {
  let bad = 0;
  const workDir = join(STATE_DIR, "prove");
  mkdirSync(workDir, { recursive: true });
  for (const scenario of chosen) {
    const lab = await bringUp(scenario, { workDir });
    try {
      const proofs = await lab.prove();
      const failed = proofs.filter((p) => !p.ok).length;
      if (failed) bad++;
      process.stdout.write(
        `${failed ? "✗" : "✓"} ${scenario.id}: ${proofs.length - failed} of ${proofs.length} proofs hold\n`,
      );
      for (const p of proofs) process.stdout.write(`    ${p.ok ? "✓" : "✗"} ${p.measured}\n`);
    } finally {
      await lab.stop();
    }
  }
  return bad ? 1 : 0;
}

async function main(argv: string[]): Promise<number> {
  const [verb, name, ...more] = argv;
  const scenarios = loadScenarios();
  const names = scenarios.map((s) => s.id).join(", ");
  if (verb === "list" || verb === undefined) {
    for (const s of scenarios)
      process.stdout.write(
        `${s.id.padEnd(30)} ${describeStack(s).padEnd(26)} expect ${s.expect.padEnd(20)} ${s.title}${existsSync(statePath(s.id)) ? "  [up]" : ""}\n`,
      );
    return 0;
  }
  if (verb === "prove") {
    const ids = [name, ...more].filter((x): x is string => Boolean(x));
    const unknown = ids.filter((id) => !scenarios.some((s) => s.id === id));
    if (!ids.length || unknown.length) {
      process.stderr.write(
        `lab: prove needs scenario ids${unknown.length ? `; no scenario ${unknown.join(", ")}` : ""} (scenarios: ${names})\n`,
      );
      return 2;
    }
    return prove(scenarios.filter((s) => ids.includes(s.id)));
  }
  if (verb === "check") {
    const ids = [name, ...more].filter((x): x is string => Boolean(x) && !x!.startsWith("--"));
    const chosen =
      name === "--slow"
        ? scenarios.filter((s) => !s.fast)
        : ids.length
          ? scenarios.filter((s) => ids.includes(s.id))
          : scenarios;
    const unknown = ids.filter((id) => !scenarios.some((s) => s.id === id));
    if (unknown.length) {
      process.stderr.write(`lab: no scenario ${unknown.join(", ")} (scenarios: ${names})\n`);
      return 2;
    }
    return check(chosen);
  }
  if (verb === "down") {
    const ids = name === "--all" ? scenarios.map((s) => s.id).filter((id) => existsSync(statePath(id))) : [name];
    for (const id of ids) {
      if (!id || !existsSync(statePath(id))) {
        const up = scenarios.filter((s) => existsSync(statePath(s.id))).map((s) => s.id);
        process.stderr.write(`lab: "${id ?? ""}" is not up (up: ${up.join(", ") || "none"})\n`);
        return 2;
      }
      stop(JSON.parse(readFileSync(statePath(id), "utf8")) as State);
      process.stdout.write(`${id} is down\n`);
    }
    return 0;
  }
  if (verb === "up") {
    const scenario = scenarios.find((s) => s.id === name);
    if (!scenario) {
      process.stderr.write(`lab: no scenario "${name ?? ""}" (scenarios: ${names})\n`);
      return 2;
    }
    if (existsSync(statePath(scenario.id))) {
      process.stderr.write(`lab: ${scenario.id} is already up; run \`npm run lab -- down ${scenario.id}\` first\n`);
      return 2;
    }
    mkdirSync(STATE_DIR, { recursive: true });
    const lab = await bringUp(scenario, { workDir: STATE_DIR, detached: true });
    // The nodes' logs so far, where the printed command's --evidence expects them.
    lab.snapshotLogs();
    const command = `npx sessiondoc diagnose ${lab.args.map(quote).join(" ")}`;
    const state: State = {
      id: scenario.id,
      pids: lab.parts.filter((p) => p.pid > 0).map((p) => p.pid),
      dirs: lab.parts.flatMap((p) => (p.dir ? [p.dir] : [])),
      command,
    };
    writeFileSync(statePath(scenario.id), JSON.stringify(state, null, 2));
    process.stdout.write(
      `${scenario.id} is up: ${scenario.title}\nexpected diagnosis: ${scenario.expect}\n\nDiagnose it with:\n\n  ${command}\n\nStop it with:  npm run lab -- down ${scenario.id}\n`,
    );
    return 0;
  }
  process.stderr.write(
    `lab: usage: npm run lab -- list | up <scenario> | down <scenario>|--all | prove <scenario>… | check [--slow | <scenario>…]\n`,
  );
  return 2;
}

process.exitCode = await main(process.argv.slice(2));
