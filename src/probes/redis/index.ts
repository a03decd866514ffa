export { redisInfoProbe } from "./info-probe.js";
export { redisSessionsProbe } from "./sessions-probe.js";
export { redisLookupProbe } from "./lookup-probe.js";
export { redisWritesProbe } from "./writes-probe.js";
