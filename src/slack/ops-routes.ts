import type { CustomRoute } from "@slack/bolt";
import type { Metrics } from "./metrics.js";

/**
 * `/healthz` for load balancers and orchestrators, `/metrics` for Prometheus: served in HTTP mode beside
 * `/slack/events`, and in Socket Mode on PORT all the same. `healthy` says whether the app can take Slack's requests
 * (in Socket Mode: its socket is connected); when it cannot, `/healthz` answers 503.
 */
export function opsRoutes(metrics: Metrics, healthy: () => boolean = () => true): CustomRoute[] {
  return [
    {
      path: "/healthz",
      method: ["GET"],
      handler: (_req, res) =>
        void (healthy()
          ? res.writeHead(200, { "content-type": "text/plain" }).end("ok")
          : res.writeHead(503, { "content-type": "text/plain" }).end("not connected to Slack")),
    },
    {
      path: "/metrics",
      method: ["GET"],
      handler: async (_req, res) =>
        void res.writeHead(200, { "content-type": metrics.registry.contentType }).end(await metrics.registry.metrics()),
    },
  ];
}
