import type { Report } from "./schema.js";
import { securityAlerts, securityHeadline } from "./security.js";
import { VERDICT_WORDS } from "./text.js";

export type SummaryContext = {
  report: Report;
  startedBy: string;
  target?: string;
  permalink?: string;
  /** When the diagnosis last changed (ISO 8601): an incident timeline needs it. */
  at?: string;
};

/** "2026-11-27 03:12 UTC": the same for everyone in an incident channel, whatever their time zone. */
export const when = (at?: string) => (at ? `${at.slice(0, 16).replace("T", " ")} UTC` : undefined);

export const pct = (x: number) => `${Math.round(x * 100)} %`;

export function topCauses(report: Report) {
  return report.causes.filter((c) => c.confidence > 0).slice(0, 3);
}

/**
 * A code fence of tildes, longer than any run of tildes in `code`: the summary is often pasted inside a backtick
 * fence (Slack shows it in one), and a backtick fence inside another would end it.
 */
function fenceFor(code: string): string {
  const longest = Math.max(2, ...[...code.matchAll(/~+/g)].map((m) => m[0].length));
  return "~".repeat(longest + 1);
}

/**
 * The incident summary as Markdown, to paste into an incident document: Slack's "Export Markdown" (who ran it as a
 * Slack mention) and the CLI's `--output markdown` (who ran it by name).
 */
export function summaryMarkdown(
  { report, startedBy, target, permalink, at }: SummaryContext,
  by: (who: string) => string = (id) => `<@${id}>`,
): string {
  const top = report.causes[0]!;
  const lines = [
    `# Session diagnosis${target ? `: ${target}` : ""}`,
    "",
    ...securityAlerts(report).flatMap((a) => [
      `> 🚨 **${securityHeadline(a)}**`,
      ...a.evidence.slice(0, 3).map((e) => `> - ${e}`),
      ...a.fixes.map((f) => `> - **Act now:** ${f}`),
      "",
    ]),
    `**Verdict:** ${VERDICT_WORDS[report.verdict]} — ${report.summary}`,
    "",
  ];
  const causes = topCauses(report);
  if (causes.length)
    lines.push("## Top causes", ...causes.map((c) => `- **${c.title}** (\`${c.id}\`) — ${pct(c.confidence)}`), "");
  if (report.verdict === "cause-found") {
    lines.push(
      "## Key evidence",
      ...top.evidence
        .filter((e) => e.weight > 0)
        .slice(0, 5)
        .map((e) => `- ${e.summary}`),
      "",
    );
    lines.push("## Recommended fix", ...top.fixes.map((f) => `- ${f}`), "");
    for (const s of top.snippets.slice(0, 2)) {
      const fence = fenceFor(s.code);
      lines.push(`**${s.title}** (${s.stack})`, fence + s.language, s.code.trimEnd(), fence, "");
    }
  }
  const time = when(at);
  lines.push(
    `Run by ${by(startedBy)}${time ? `, ${time}` : ""}${permalink ? ` — [diagnosis thread](${permalink})` : ""}`,
  );
  return lines.join("\n");
}
