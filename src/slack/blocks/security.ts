import type { Report } from "../../report/schema.js";
import { securityAlerts, securityHeadline } from "../../report/security.js";
import { clip, escape, LIMITS, plain, section } from "./limits.js";

/**
 * A leak of one user's session to others, as the first blocks of a message: a header of its own, what showed it and
 * what to do now, and a divider before the rest of the diagnosis.
 */
export function securityBlocks(report: Report): object[] {
  return securityAlerts(report).flatMap((alert) => [
    { type: "header", text: plain(`🚨 ${securityHeadline(alert)}`, LIMITS.header) },
    section(
      clip(
        [
          ...alert.evidence.slice(0, 3).map((e) => `⚠️ ${escape(e)}`),
          ...alert.fixes.map((f) => `*Act now:* ${escape(f)}`),
        ].join("\n"),
        LIMITS.sectionText,
      ),
    ),
    { type: "divider" },
  ]);
}
