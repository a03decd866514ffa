// `npm run bench`: every benchmark, each printing its own figures.
import { cpus } from "node:os";
import { benchColdStart, benchLab } from "./lab.mjs";
import { benchRedisProbe } from "./redis-probe.mjs";
import { benchSlack } from "./slack.mjs";

console.log(`sessiondoc benchmarks — ${new Date().toISOString()} — node ${process.version}, ${cpus().length} cores`);
await benchLab();
await benchRedisProbe();
await benchSlack();
benchColdStart();
