import { describe, expect, it } from "vitest";
import { forgetful, interview, loadWitnesses, namesOneInput, type Witness } from "../../src/lab/witness.js";
import { shipped } from "./definitions.js";

export const FLOW = "session-replication";
export const witnesses = loadWitnesses();
export const profiled = shipped.catalogue.causes.map((c) => c.id).filter((c) => witnesses[c]);

// Each diagnosis runs once, whichever tests read it.
const runs = new Map<string, ReturnType<typeof interview>>();
export const interviewed = (cause: string, seed?: number) => {
  const key = seed === undefined ? cause : `${cause}/${seed}`;
  let run = runs.get(key);
  if (!run) {
    const answers: Witness["answers"] =
      seed === undefined ? witnesses[cause]!.answers : forgetful(witnesses[cause]!.answers, seed).answers;
    runs.set(key, (run = interview(shipped, FLOW, cause, answers)));
  }
  return run;
};

/** Every witness, forgetting a third of what they know as each seed picks: never a wrong cause, never an all-clear. */
export function describeForgetful(seeds: readonly number[]) {
  describe("a witness who does not know a third of it", () => {
    for (const { cause, seed } of profiled.flatMap((cause) => seeds.map((seed) => ({ cause, seed })))) {
      const key = `${cause}/${seed}`;
      it(`${key}: no wrong cause named`, async () => {
        const run = await interviewed(cause, seed);
        expect(run.wrong).toEqual([]);
      });
      it(`${key}: not an all-clear; inconclusive only with the one input that would settle it`, async () => {
        const run = await interviewed(cause, seed);
        expect(run.verdict).not.toBe("no-fault-found");
        if (run.verdict === "inconclusive")
          expect(namesOneInput(run, shipped.probes), JSON.stringify(run.next)).toBe(true);
      });
    }
  });
}
