import { existsSync, readFileSync } from "node:fs";
import pLimit from "p-limit";
import { diagnoseScenario, type Graded } from "./grade.js";
import type { ProofResult } from "./proof.js";
import { bringUp } from "./scenario.js";
import type { Scenario } from "./schema.js";

/** The answers a person gave when asked, in order, and the diagnosis after the last of them. */
export type Stepped = { answered: Array<{ question: string; value: string }>; final: Graded };
export type ScenarioRun = Graded & { proofs: ProofResult[]; stepped?: Stepped };

/** Bound on the answers a stepped diagnosis takes: each is a full diagnosis of the running system. */
const MAX_STEPS = 8;

/**
 * A person who knows the system (the scenario's `knows`) answers the question the report would ask next, "I don't
 * know" where the scenario does not say, and the diagnosis runs again with that answer, as a script steps through
 * one, until no question is left.
 */
export async function stepThrough(scenario: Scenario, args: string[], first: Graded): Promise<Stepped | undefined> {
  let last = first;
  const answered: Stepped["answered"] = [];
  while (last.asked.length && answered.length < MAX_STEPS) {
    const question = last.asked[0]!;
    answered.push({ question, value: scenario.knows[question] ?? "unknown" });
    last = await diagnoseScenario(scenario, [
      ...args,
      ...answered.flatMap((a) => ["--answer", `${a.question}=${a.value}`]),
    ]);
  }
  return answered.length ? { answered, final: last } : undefined;
}

/** The questions a person who knows the system is asked: those answered along the way and those left. */
export function questionsAsked(r: ScenarioRun): string[] {
  return r.stepped ? [...r.stepped.answered.map((a) => a.question), ...r.stepped.final.asked] : r.asked;
}

/** The end of what the balancer logged: why it took a backend out, when a proof through it failed. */
function balancerLog(file: string | undefined): string {
  if (!file || !existsSync(file)) return "";
  const tail = readFileSync(file, "utf8").trim().split("\n").slice(-5).join("\n    ");
  return tail ? `\n    the balancer logged:\n    ${tail}` : "";
}

/** Brings a scenario up, proves its fault is there, diagnoses it and stops it; a failed proof is an error. */
export async function runScenario(scenario: Scenario, workDir: string): Promise<ScenarioRun> {
  const lab = await bringUp(scenario, { workDir });
  try {
    const proofs = await lab.prove();
    const failed = proofs.filter((p) => !p.ok);
    if (failed.length) {
      throw new Error(
        `${scenario.id}: the scenario is not what it claims: ${failed.map((p) => p.measured).join("; ")}` +
          balancerLog(lab.balancer?.logFile),
      );
    }
    lab.snapshotLogs();
    const first = await diagnoseScenario(scenario, lab.args);
    const stepped = await stepThrough(scenario, lab.args, first);
    return { ...first, proofs, ...(stepped ? { stepped } : {}) };
  } finally {
    await lab.stop();
  }
}

/** Runs scenarios a few at a time (each is a handful of processes); results in the scenarios' order. */
export async function runScenarios(
  scenarios: Scenario[],
  workDir: string,
  opts: { concurrency?: number; onResult?: (r: ScenarioRun | { scenario: Scenario; error: Error }) => void } = {},
): Promise<Array<ScenarioRun | { scenario: Scenario; error: Error }>> {
  const limit = pLimit(opts.concurrency ?? 3);
  return Promise.all(
    scenarios.map((s) =>
      limit(async () => {
        // A scenario that could not be brought up or proven (a port or start-up race with another scenario's
        // servers) gets a second try; a diagnosis, right or wrong, is never tried again.
        const attempt = () => runScenario(s, workDir).catch((error: Error) => ({ scenario: s, error }));
        const first = await attempt();
        const result = "error" in first ? await attempt() : first;
        opts.onResult?.(result);
        return result;
      }),
    ),
  );
}
