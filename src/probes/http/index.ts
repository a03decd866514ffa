export { httpContinuityProbe } from "./continuity-probe.js";
export { httpNodesProbe } from "./nodes-probe.js";
export { httpClockProbe } from "./clock-probe.js";
export { httpHealthProbe } from "./health-probe.js";
export { httpCookieHeadersProbe } from "./cookie-headers-probe.js";
export { httpWorkersProbe } from "./workers-probe.js";
export { httpRealtimeProbe } from "./realtime-probe.js";
export { httpParallelProbe } from "./parallel-probe.js";
