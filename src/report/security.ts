import type { Report } from "./schema.js";

/** Causes that hand one user's session or data to another: a security incident, not only a lost login. */
export const SECURITY_CAUSES: ReadonlySet<string> = new Set(["session-leak-cache"]);

export type SecurityAlert = {
  id: string;
  title: string;
  confidence: number;
  /** Established (a measurement, or independent pieces agree), or only suspected. */
  found: boolean;
  /** What showed it, strongest first. */
  evidence: string[];
  /** What to do first. */
  fixes: string[];
};

/**
 * The security findings of a report, found or suspected, whatever else it names and however it ranks them: every
 * door shows these first.
 */
export function securityAlerts(report: Pick<Report, "causes">): SecurityAlert[] {
  return report.causes
    .filter((c) => SECURITY_CAUSES.has(c.id) && ["found", "suspected"].includes(c.coverage.status))
    .map((c) => ({
      id: c.id,
      title: c.title,
      confidence: c.confidence,
      found: c.coverage.status === "found",
      evidence: measuredFirst(c.evidence.filter((e) => e.weight > 0)).map((e) => e.summary),
      fixes: c.fixes.slice(0, 2),
    }));
}

/** One line that leads a report: what leaks, and how sure it is. */
export function securityHeadline(alert: SecurityAlert): string {
  return `SECURITY — ${alert.title} (${alert.found ? "found" : "suspected"}, ${Math.round(alert.confidence * 100)} %)`;
}

/** What probes and logs measured, before what people said (shown only when nothing was measured). */
function measuredFirst<T extends { source: string }>(evidence: T[]): T[] {
  const measured = evidence.filter((e) => e.source !== "answer");
  return measured.length ? measured : evidence;
}
