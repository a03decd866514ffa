import {
  httpClockProbe,
  httpContinuityProbe,
  httpCookieHeadersProbe,
  httpHealthProbe,
  httpNodesProbe,
  httpParallelProbe,
  httpRealtimeProbe,
  httpWorkersProbe,
} from "./http/index.js";
import { redisInfoProbe, redisLookupProbe, redisSessionsProbe, redisWritesProbe } from "./redis/index.js";
import type { Probe, ProbeRegistry } from "./types.js";

/** Every probe the engine can call by name. Flows may only name probes registered here. */
export function probeRegistry(probes: Probe[] = []): ProbeRegistry {
  return new Map(probes.map((p) => [p.name, p]));
}

export const defaultProbes: ProbeRegistry = probeRegistry([
  redisInfoProbe,
  httpContinuityProbe,
  httpCookieHeadersProbe,
  httpNodesProbe,
  httpClockProbe,
  httpHealthProbe,
  redisSessionsProbe,
  httpWorkersProbe,
  redisLookupProbe,
  httpRealtimeProbe,
  httpParallelProbe,
  redisWritesProbe,
]);
