import { execFile } from "node:child_process";
import { projectPath } from "../paths.js";
import { Report } from "../report/schema.js";
import { expectedVerdict, type Scenario } from "./schema.js";

const BIN = projectPath("bin", "sessiondoc.js");

/**
 * How a diagnosis compares with the truth. `wrong-cause` (a confident wrong answer), `false-alarm` (a cause named
 * on a healthy system) and `false-all-clear` (no fault found on a broken one) are the outcomes that mislead.
 */
export type Outcome = "right" | "inconclusive" | "wrong-cause" | "false-alarm" | "false-all-clear";

export const MISLEADING: ReadonlySet<Outcome> = new Set(["wrong-cause", "false-alarm", "false-all-clear"]);

export function outcomeOf(scenario: Scenario, report: Report): Outcome {
  const healthy = scenario.expect === "no-fault-found";
  if (report.verdict === "inconclusive") return "inconclusive";
  if (report.verdict === "no-fault-found") return healthy ? "right" : "false-all-clear";
  if (healthy) return "false-alarm";
  return report.causes[0]!.id === scenario.expect ? "right" : "wrong-cause";
}

/** Questions a person would have been asked: reached, left unanswered, and not skipped for a reason. */
export function questionsForAPerson(report: Report): string[] {
  return report.questions.filter((q) => q.source === "default" && !q.skipped).map((q) => q.id);
}

export type Graded = {
  scenario: Scenario;
  report: Report;
  outcome: Outcome;
  /** The verdict matches what the scenario says sessiondoc should honestly reach. */
  asExpected: boolean;
  asked: string[];
  ms: number;
};

/** Diagnoses a running scenario through the CLI's non-interactive JSON contract, as a script would. */
export async function diagnoseScenario(
  scenario: Scenario,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<Graded> {
  const started = performance.now();
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      [BIN, "diagnose", ...args, "--non-interactive", "--json"],
      { env: { ...process.env, ...env }, timeout: 120_000, maxBuffer: 32 * 1024 * 1024 },
      (err, out, errText) => (err ? reject(new Error(`${scenario.id}: ${err.message}\n${errText}`)) : resolve(out)),
    );
  });
  const ms = performance.now() - started;
  const report = Report.parse(JSON.parse(stdout));
  const outcome = outcomeOf(scenario, report);
  return {
    scenario,
    report,
    outcome,
    asExpected: asExpected(scenario, report),
    asked: questionsForAPerson(report),
    ms,
  };
}

/** Whether a report reaches the verdict the scenario says is honest, naming its cause where it names one. */
export function asExpected(scenario: Scenario, report: Pick<Report, "verdict" | "causes">): boolean {
  const verdict =
    report.verdict === expectedVerdict(scenario) || (scenario.shownSometimes && report.verdict === "cause-found");
  return verdict && (report.verdict !== "cause-found" || report.causes[0]!.id === scenario.expect);
}
