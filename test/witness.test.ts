import { describe, expect, it } from "vitest";
import { loadScenarios } from "../src/lab/scenario.js";
import { answerProblems, forgetful, runWitnesses, witnessProblems } from "../src/lab/witness.js";
import { shipped } from "./helpers/definitions.js";
import { FLOW, interviewed, profiled, witnesses } from "./helpers/witness-cases.js";

describe("witness profiles", () => {
  it("answer only questions of the flow, with values it accepts, for causes of the catalogue", () => {
    expect(profiled.length).toBeGreaterThan(0);
    expect(witnessProblems(witnesses, shipped, FLOW)).toEqual([]);
  });

  it("are checked: a value the flow does not take, an unknown question and an unknown cause are reported", () => {
    const problems = witnessProblems(
      {
        "lb-affinity": { system: "x", answers: { "lb-sticky": "sometimes", "no-such-question": "yes" } },
        "no-such-cause": { system: "x", answers: {} },
      },
      shipped,
      FLOW,
    );
    expect(problems).toEqual([
      { cause: "lb-affinity", problem: expect.stringMatching(/^lb-sticky: "sometimes" is not a choice/) },
      { cause: "lb-affinity", problem: `no-such-question: no such question in flow "${FLOW}"` },
      { cause: "no-such-cause", problem: "not a cause of the catalogue" },
    ]);
  });

  it("forget a third of what they know, the same answers for the same seed", () => {
    const answers = witnesses["ttl-mismatch"]!.answers;
    const known = Object.values(answers).filter((v) => v !== "unknown").length;
    const a = forgetful(answers, 7);
    expect(a.forgot).toHaveLength(Math.round(known / 3));
    expect(forgetful(answers, 7)).toEqual(a);
    expect(forgetful(answers, 8).forgot).not.toEqual(a.forgot);
    for (const id of a.forgot) expect(a.answers[id]).toBe("unknown");
  });

  it("a cause without a witness is listed as missing, and a witness whose answers do not fit is not run", async () => {
    const b = await runWitnesses(shipped, {
      seeds: [],
      witnesses: {
        "ttl-mismatch": witnesses["ttl-mismatch"]!,
        "lb-affinity": { system: "x", answers: { "lb-sticky": "sometimes" } },
      },
    });
    expect(b.ideal.map((i) => i.cause)).toEqual(["ttl-mismatch"]);
    expect(b.problems.map((p) => p.cause)).toEqual(["lb-affinity"]);
    expect(b.missing).toEqual(
      shipped.catalogue.causes.map((c) => c.id).filter((c) => c !== "ttl-mismatch" && c !== "lb-affinity"),
    );
  });
});

describe("a witness who answers everything they know, no targets", () => {
  for (const cause of profiled) {
    it(`${cause}: named from answers alone, and nothing else named`, async () => {
      const run = await interviewed(cause);
      expect(run.asked.length).toBeGreaterThan(0);
      expect(run.wrong).toEqual([]);
      expect(run.verdict, JSON.stringify(run.next)).toBe("cause-found");
      expect(run.named[0]).toBe(cause);
    });
  }
});

describe("lab scenarios' engineers", () => {
  it("give and know only answers the flow accepts", () => {
    const scenarios = loadScenarios();
    expect(scenarios.filter((s) => Object.keys(s.knows).length).length).toBeGreaterThan(0);
    const problems = scenarios.flatMap((s) =>
      answerProblems({ ...s.answers, ...s.knows }, shipped, FLOW).map((p) => `${s.id}: ${p}`),
    );
    expect(problems).toEqual([]);
  });
});
