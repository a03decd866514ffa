// `npm run bench`: every benchmark, each printing its own figures; `npm run bench -- --witness` only the witnesses.
import { cpus } from "node:os";
import { benchColdStart, benchLab } from "./lab.mjs";
import { benchRedisProbe } from "./redis-probe.mjs";
import { benchSlack } from "./slack.mjs";
import { benchWitness } from "./witness.mjs";

console.log(`sessiondoc benchmarks — ${new Date().toISOString()} — node ${process.version}, ${cpus().length} cores`);
if (process.argv.includes("--witness")) await benchWitness();
else {
  await benchLab();
  await benchWitness();
  // Slack before the million-key Redis run, whose teardown would otherwise share the CPU with it.
  await benchSlack();
  await benchRedisProbe();
  benchColdStart();
}
