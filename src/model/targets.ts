import { z } from "zod";

/** Where the probes may look. Holds credentials: it lives only in memory, never in a record, message or log. */
export const Targets = z.strictObject({
  url: z.string().optional(),
  nodes: z.array(z.string()).default([]),
  redis: z.string().optional(),
  sessionPath: z.string().optional(),
  checkPath: z.string().optional(),
  healthPath: z.string().optional(),
  /** Where session keys live in Redis when no known layout applies (ASP.NET Core's InstanceName, custom prefixes). */
  sessionPrefix: z.string().optional(),
  /** The session cookie's name, when the probes should not infer it. */
  sessionCookie: z.string().optional(),
  /** A response header that names the backend that answered (e.g. X-Served-By). */
  backendHeader: z.string().optional(),
  /** Text that only a signed-in answer of the check path contains, for pages that look alike either way. */
  signedInText: z.string().optional(),
  /** A login request for apps whose sessions need one; `${VAR}` in values is read from the environment. */
  login: z
    .strictObject({
      method: z.enum(["GET", "POST"]).default("POST"),
      path: z.string().startsWith("/"),
      form: z.record(z.string(), z.string()).optional(),
      json: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
  /** Hosts, CIDRs or URL prefixes HTTP probes may reach; by default the hosts of `url` and `nodes`. */
  allowlist: z.array(z.string()).optional(),
});
export type Targets = z.infer<typeof Targets>;

export type TargetKind = "url" | "nodes" | "redis" | "session-path" | "check-path" | "health-path";

/** The key of a target in sessiondoc.yaml (and of `Targets`) that gives each kind. */
export const TARGET_KEYS: Record<TargetKind, keyof Targets> = {
  url: "url",
  nodes: "nodes",
  redis: "redis",
  "session-path": "sessionPath",
  "check-path": "checkPath",
  "health-path": "healthPath",
};

/** The CLI flag that gives each kind of target. */
export const TARGET_FLAGS: Record<TargetKind, string> = {
  url: "--url",
  nodes: "--node",
  redis: "--redis",
  "session-path": "--session-path",
  "check-path": "--check-path",
  "health-path": "--health-path",
};

export function hasTarget(targets: Targets, kind: TargetKind): boolean {
  switch (kind) {
    case "nodes":
      return targets.nodes.length > 0;
    case "session-path":
      return Boolean(targets.sessionPath || targets.login);
    case "check-path":
      return Boolean(targets.checkPath);
    case "health-path":
      return Boolean(targets.healthPath);
    default:
      return Boolean(targets[kind]);
  }
}
