// `npm run bench`: every benchmark, each printing its own figures.
import { cpus } from "node:os";
import { benchColdStart, benchLab } from "./lab.mjs";
import { benchRedisProbe } from "./redis-probe.mjs";
import { benchSlack } from "./slack.mjs";

console.log(`sessiondoc benchmarks — ${new Date().toISOString()} — node ${process.version}, ${cpus().length} cores`);
await benchLab();
// Slack before the million-key Redis run, whose teardown would otherwise share the CPU with it.
await benchSlack();
await benchRedisProbe();
benchColdStart();
