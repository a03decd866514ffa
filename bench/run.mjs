// `npm run bench`: every benchmark, each printing its own figures.
import { benchRedisProbe } from "./redis-probe.mjs";

console.log(`sessiondoc benchmarks — ${new Date().toISOString()} — node ${process.version}`);
await benchRedisProbe();
