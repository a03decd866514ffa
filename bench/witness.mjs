// Simulated witnesses (lab/witnesses.yaml) through the real engine with no targets: what the questions alone achieve.
import { loadDefinitions } from "../dist/engine/definitions.js";
import { median, namesNextInput, runWitnesses } from "../dist/lab/witness.js";

const SEEDS = [1, 2, 3, 4, 5];

const outcome = (i) => (i.verdict === "cause-found" ? i.named.join(" + ") : `${i.verdict} (top ${i.top.id})`);

export async function benchWitness() {
  const started = performance.now();
  const b = await runWitnesses(loadDefinitions(), { seeds: SEEDS });
  const ms = performance.now() - started;

  console.log("\nSimulated witnesses, no targets (lab/witnesses.yaml through the engine; every question answered)");
  for (const p of b.problems) console.log(`witness problem: ${p}`);
  console.log("cause             | named                         | asked | questions");
  for (const i of b.ideal) {
    const ok = i.named[0] === i.cause && i.wrong.length === 0 ? " " : "✗";
    const dunno = i.unanswered.length ? ` (don't know: ${i.unanswered.join(", ")})` : "";
    console.log(
      `${i.cause.padEnd(17)} | ${(outcome(i) + ok).padEnd(29)} | ${String(i.asked.length).padStart(5)} | ${i.asked.join(", ")}${dunno}`,
    );
  }
  for (const cause of b.missing) console.log(`${cause.padEnd(17)} | no witness profile`);
  const asked = b.ideal.map((i) => i.asked.length);
  const right = b.ideal.filter((i) => i.named[0] === i.cause && i.wrong.length === 0).length;
  console.log(
    `ideal witness: named correctly ${right}/${b.ideal.length}, wrong cause named ${b.ideal.filter((i) => i.wrong.length).length}, questions median ${median(asked)}, max ${Math.max(...asked)}` +
      (b.missing.length ? `; ${b.missing.length} causes without a witness profile` : ""),
  );

  console.log(`\nA third of the answers "I don't know" (seeds ${SEEDS.join(", ")}; ${b.forgetful.length} diagnoses)`);
  console.log(
    "cause             | seed | forgot                                   | outcome                          | asked | settles it",
  );
  for (const i of b.forgetful) {
    const settle = i.next
      ? [...i.next.inputs.targets.map((t) => `target ${t}`), ...i.next.inputs.questions].join(", ")
      : "";
    const mark = i.wrong.length ? "✗" : " ";
    console.log(
      `${i.cause.padEnd(17)} | ${String(i.seed).padStart(4)} | ${i.forgot.join(",").padEnd(40)} | ${(outcome(i) + mark).padEnd(32)} | ${String(i.asked.length).padStart(5)} | ${i.verdict === "inconclusive" ? settle || "nothing named" : ""}`,
    );
  }
  const inconclusive = b.forgetful.filter((i) => i.verdict === "inconclusive");
  const partialAsked = b.forgetful.map((i) => i.asked.length);
  console.log(
    `third unknown: wrong cause named ${b.forgetful.filter((i) => i.wrong.length).length}/${b.forgetful.length}, named correctly ${b.forgetful.filter((i) => i.named[0] === i.cause && i.wrong.length === 0).length}, inconclusive ${inconclusive.length} (naming the target or question that settles it: ${inconclusive.filter(namesNextInput).length}/${inconclusive.length}), no-fault-found ${b.forgetful.filter((i) => i.verdict === "no-fault-found").length}; questions median ${median(partialAsked)}, max ${Math.max(...partialAsked)}`,
  );
  console.log(`(${b.ideal.length + b.forgetful.length} diagnoses in ${(ms / 1000).toFixed(1)} s)`);
  return b;
}

if (import.meta.url === `file://${process.argv[1]}`) await benchWitness();
