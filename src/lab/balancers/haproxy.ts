import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { scratchDir, startServer, type Running, type StartOptions } from "../processes.js";
import type { Backend, BalancerKind, BalancerOptions } from "../stacks/types.js";

/** A real HAProxy in front of the backends: round robin, optionally with cookie stickiness and health checks. */
export async function startHaproxy(
  backends: Backend[],
  opts: Partial<BalancerOptions> & StartOptions = {},
): Promise<Running> {
  return startServer(
    "haproxy",
    (port) => {
      const dir = scratchDir("haproxy");
      const config = [
        "global",
        "  maxconn 200",
        "defaults",
        "  mode http",
        "  timeout connect 2s",
        "  timeout client 10s",
        "  timeout server 10s",
        "frontend fe",
        `  bind 127.0.0.1:${port}`,
        ...(opts.frontLines ?? []).map((l) => `  ${l}`),
        "  default_backend app",
        "backend app",
        "  balance roundrobin",
        ...(opts.sticky ? ["  cookie SRV insert indirect nocache"] : []),
        ...(opts.healthCheck
          ? [`  option httpchk GET ${opts.healthCheck}`, "  default-server inter 300 fall 1 rise 1"]
          : []),
        ...(opts.forwardedProto ? [`  http-request set-header X-Forwarded-Proto ${opts.forwardedProto}`] : []),
        ...(opts.lines ?? []).map((l) => `  ${l}`),
        ...backends.map(
          (b) =>
            `  server ${b.name} 127.0.0.1:${b.port}${opts.sticky ? ` cookie ${b.name}` : ""}${opts.healthCheck ? " check" : ""}`,
        ),
        "",
      ].join("\n");
      const file = join(dir, "haproxy.cfg");
      writeFileSync(file, config);
      return { command: "haproxy", args: ["-f", file, "-db"], cleanup: dir };
    },
    opts,
  );
}

export const haproxyBalancer: BalancerKind = {
  kind: "haproxy",
  title: "HAProxy",
  packages: ["haproxy"],
  start: startHaproxy,
};
