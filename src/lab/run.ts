import pLimit from "p-limit";
import { diagnoseScenario, type Graded } from "./grade.js";
import type { ProofResult } from "./proof.js";
import { bringUp } from "./scenario.js";
import type { Scenario } from "./schema.js";

export type ScenarioRun = Graded & { proofs: ProofResult[] };

/** Brings a scenario up, proves its fault is there, diagnoses it and stops it; a failed proof is an error. */
export async function runScenario(scenario: Scenario, workDir: string): Promise<ScenarioRun> {
  const lab = await bringUp(scenario, { workDir });
  try {
    const proofs = await lab.prove();
    const failed = proofs.filter((p) => !p.ok);
    if (failed.length) {
      throw new Error(
        `${scenario.id}: the scenario is not what it claims: ${failed.map((p) => p.measured).join("; ")}`,
      );
    }
    lab.snapshotLogs();
    return { ...(await diagnoseScenario(scenario, lab.args)), proofs };
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
