import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** Prometheus metrics served at /metrics. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    diagnoses: new Counter({
      name: "sessiondoc_diagnoses_total",
      help: "Finished diagnoses by verdict",
      labelNames: ["verdict"],
      registers: [registry],
    }),
    probeDuration: new Histogram({
      name: "sessiondoc_probe_duration_seconds",
      help: "Probe run time",
      labelNames: ["probe", "status"],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 20],
      registers: [registry],
    }),
    probeFailures: new Counter({
      name: "sessiondoc_probe_failures_total",
      help: "Probe runs that failed",
      labelNames: ["probe"],
      registers: [registry],
    }),
    ackLatency: new Histogram({
      name: "sessiondoc_ack_latency_seconds",
      help: "Time from receiving a Slack request to acknowledging it",
      labelNames: ["kind"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3],
      registers: [registry],
    }),
    // Watches, by the target's configured name (never a URL): what each target's latest round saw.
    watchContinuity: new Gauge({
      name: "sessiondoc_watch_continuity_ratio",
      help: "Share of signed-in requests through the balancer that kept their session, in the target's latest round",
      labelNames: ["target"],
      registers: [registry],
    }),
    watchLastRound: new Gauge({
      name: "sessiondoc_watch_last_round_timestamp_seconds",
      help: "When the target's latest watch round ran (unix seconds)",
      labelNames: ["target"],
      registers: [registry],
    }),
    watchStatus: new Gauge({
      name: "sessiondoc_watch_status",
      help: "1 for the status of the target's latest round (ok, regression, ongoing), 0 for the others",
      labelNames: ["target", "status"],
      registers: [registry],
    }),
    watchProbeFailures: new Counter({
      name: "sessiondoc_watch_probe_failures_total",
      help: "Probes of watch rounds that could not look",
      labelNames: ["target"],
      registers: [registry],
    }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
