// `npm run bench`: every benchmark, each printing its own figures. `-- --lab`: only the lab; `-- --held-out`: only
// the held-out lab scenarios (with `--lab`, nothing else); `-- --witness`: only the simulated witnesses.
import { cpus } from "node:os";
import { benchColdStart, benchLab } from "./lab.mjs";
import { benchRedisProbe } from "./redis-probe.mjs";
import { benchSlack } from "./slack.mjs";
import { benchWitness } from "./witness.mjs";

const OPTIONS = ["--lab", "--held-out", "--witness"];
const args = process.argv.slice(2);
const unknown = args.filter((a) => !OPTIONS.includes(a));
if (unknown.length) {
  console.error(`bench: unknown ${unknown.join(" ")} (options: ${OPTIONS.join(", ")})`);
  process.exit(2);
}

console.log(`sessiondoc benchmarks — ${new Date().toISOString()} — node ${process.version}, ${cpus().length} cores`);
if (args.includes("--witness")) await benchWitness();
else {
  await benchLab({ heldOutOnly: args.includes("--held-out") });
  if (!args.includes("--lab")) {
    await benchWitness();
    // Slack before the million-key Redis run, whose teardown would otherwise share the CPU with it.
    await benchSlack();
    await benchRedisProbe();
    benchColdStart();
  }
}
