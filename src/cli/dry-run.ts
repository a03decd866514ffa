import type { Definitions } from "../engine/definitions.js";
import type { Flow } from "../flows/schema.js";
import { hasTarget, TARGET_FLAGS, type Targets } from "../model/targets.js";
import { DEFAULT_HTTP_LIMITS } from "../probes/http/client.js";
import type { PlannedRequest } from "../probes/types.js";

/** One probe of a dry run: what it would send, or why it would not run. */
export type PlannedProbe = {
  probe: string;
  status: "would-run" | "skipped";
  needs: string[];
  /** The flags that would enable a skipped probe. */
  missing?: string[];
  requests: PlannedRequest[];
};

/**
 * The probes a diagnosis of `flow` would run with these targets, in the flow's order, each with the requests its
 * plan declares. Nothing is sent and no name is looked up: plans read only the targets and parameters.
 */
export function dryRun(
  flow: Flow,
  defs: Pick<Definitions, "probes">,
  targets: Targets,
  probeParams: Record<string, Record<string, unknown>>,
): PlannedProbe[] {
  const seen = new Set<string>();
  const planned: PlannedProbe[] = [];
  for (const node of Object.values(flow.nodes)) {
    if (node.kind !== "probe" || seen.has(node.probe)) continue;
    seen.add(node.probe);
    const probe = defs.probes.get(node.probe)!;
    const needs = probe.needs.map((k) => TARGET_FLAGS[k]);
    const missing = probe.needs.filter((k) => !hasTarget(targets, k)).map((k) => TARGET_FLAGS[k]);
    if (missing.length) {
      planned.push({ probe: probe.name, status: "skipped", needs, missing, requests: [] });
      continue;
    }
    const requests = probe.plan({ targets, params: { ...node.params, ...probeParams[probe.name] } });
    planned.push({ probe: probe.name, status: "would-run", needs, requests });
  }
  return planned;
}

/** The dry run for a person: each probe that would run and its requests, then those that would be skipped. */
export function renderDryRun(probes: PlannedProbe[]): string {
  const lines = ["Dry run: nothing was sent. With these targets and options, the probes would send:"];
  const running = probes.filter((p) => p.status === "would-run");
  if (!running.length) lines.push("", "  nothing: no probe has its targets.");
  for (const p of running) {
    const store = p.requests.find((r) => r.kind === "redis")?.to;
    lines.push("", `${p.probe}${store ? ` → ${store}` : ""}`);
    const rows = p.requests.map((r) => [
      r.kind === "http" ? `${r.method} ${r.url}` : r.command,
      `${r.times}${r.kind === "http" && !r.followsRedirects ? ", redirects not followed" : ""}${r.note ? ` — ${r.note}` : ""}`,
    ]);
    for (const [what, how] of rows) lines.push(`  ${what}`, `      ${how}`);
  }
  const skipped = probes.filter((p) => p.status === "skipped");
  if (skipped.length) {
    lines.push("", "Skipped (a target is missing):");
    for (const p of skipped) lines.push(`  ${p.probe}: needs ${p.missing!.join(", ")}`);
  }
  const http = running.some((p) => p.requests.some((r) => r.kind === "http" && r.followsRedirects));
  if (http)
    lines.push(
      "",
      `HTTP requests follow at most ${DEFAULT_HTTP_LIMITS.maxRedirects} redirects, each checked against the allowlist; cookies go only where a browser would send them.`,
    );
  return lines.join("\n");
}
