// Simulated witnesses (lab/witnesses.yaml) through the real engine with no targets: what the questions alone achieve.
import { loadDefinitions } from "../dist/engine/definitions.js";
import { median, namesNextInput, namesOneInput, runWitnesses, WITNESS_SEEDS } from "../dist/lab/witness.js";

const right = (i) => i.named[0] === i.cause && i.wrong.length === 0;
const outcome = (i) =>
  `${i.verdict === "cause-found" ? i.named.join(" + ") : `${i.verdict} (top ${i.top.id})`}${i.wrong.length ? " ✗" : ""}`;
const settles = (i) =>
  i.verdict !== "inconclusive"
    ? ""
    : [...(i.next?.inputs.targets ?? []).map((t) => `target ${t}`), ...(i.next?.inputs.questions ?? [])].join(", ") ||
      "nothing named";
const stats = (xs) => `median ${median(xs)}, max ${Math.max(...xs)}`;

export async function benchWitness() {
  const started = performance.now();
  const defs = loadDefinitions();
  const b = await runWitnesses(defs, { seeds: WITNESS_SEEDS });
  const ms = performance.now() - started;
  const inconclusive = (runs) => {
    const open = runs.filter((i) => i.verdict === "inconclusive");
    return `inconclusive ${open.length} (naming what would settle it ${open.filter(namesNextInput).length}/${open.length}, exactly one question or one probe's targets ${open.filter((i) => namesOneInput(i, defs.probes)).length}/${open.length})`;
  };

  console.log("\nSimulated witnesses, no targets (lab/witnesses.yaml through the engine, answering what is asked)");
  for (const p of b.problems) console.log(`${p.cause}: witness not run: ${p.problem}`);
  console.log(`${"cause".padEnd(18)} | ${"outcome".padEnd(34)} | asked | questions (? = "I don't know") | settles it`);
  for (const i of b.ideal) {
    const asked = i.asked.map((q) => (i.unanswered.includes(q) ? `${q}?` : q)).join(", ");
    console.log(
      `${i.cause.padEnd(18)} | ${outcome(i).padEnd(34)} | ${String(i.asked.length).padStart(5)} | ${asked} | ${settles(i)}`,
    );
  }
  for (const cause of b.missing) console.log(`${cause.padEnd(18)} | no witness profile`);
  const asked = b.ideal.map((i) => i.asked.length);
  console.log(
    `ideal witness: named correctly ${b.ideal.filter(right).length}/${b.ideal.length}, wrong cause named ${b.ideal.filter((i) => i.wrong.length).length}, ${inconclusive(b.ideal)}; questions ${stats(asked)}` +
      (b.missing.length ? `; ${b.missing.length} causes without a witness profile` : ""),
  );

  console.log(
    `\nA third of each witness' answers "I don't know" (seeds ${WITNESS_SEEDS.join(", ")}; ${b.forgetful.length} diagnoses)`,
  );
  console.log(`${"cause".padEnd(18)} | seed | ${"outcome".padEnd(34)} | asked | forgot | settles it`);
  for (const i of b.forgetful) {
    console.log(
      `${i.cause.padEnd(18)} | ${String(i.seed).padStart(4)} | ${outcome(i).padEnd(34)} | ${String(i.asked.length).padStart(5)} | ${i.forgot.join(", ")} | ${settles(i)}`,
    );
  }
  const partial = b.forgetful;
  console.log(
    `third unknown: wrong cause named ${partial.filter((i) => i.wrong.length).length}/${partial.length}, named correctly ${partial.filter(right).length}, ${inconclusive(partial)}, no-fault-found ${partial.filter((i) => i.verdict === "no-fault-found").length}; questions ${stats(partial.map((i) => i.asked.length))}`,
  );
  console.log(`(${b.ideal.length + partial.length} diagnoses in ${(ms / 1000).toFixed(1)} s)`);
  return b;
}

if (import.meta.url === `file://${process.argv[1]}`) await benchWitness();
