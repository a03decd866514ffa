import type { KnownBlock } from "@slack/web-api";
import type { Report } from "../../report/schema.js";
import { securityAlerts, securityHeadline } from "../../report/security.js";
import { VERDICT_WORDS } from "../../report/text.js";
import { context, escape, plain, section, LIMITS } from "./limits.js";
import { securityBlocks } from "./security.js";

export type SummaryContext = {
  report: Report;
  startedBy: string;
  target?: string;
  permalink?: string;
  /** When the diagnosis last changed (ISO 8601): an incident timeline needs it. */
  at?: string;
};

/** "2026-11-27 03:12 UTC": the same for everyone in an incident channel, whatever their time zone. */
const when = (at?: string) => (at ? `${at.slice(0, 16).replace("T", " ")} UTC` : undefined);

const pct = (x: number) => `${Math.round(x * 100)} %`;

function topCauses(report: Report) {
  return report.causes.filter((c) => c.confidence > 0).slice(0, 3);
}

/** A concise incident summary for an incident channel. */
export function summaryBlocks({ report, startedBy, target, permalink, at }: SummaryContext): KnownBlock[] {
  const top = report.causes[0]!;
  const causes = topCauses(report)
    .map((c) => `• *${escape(c.title)}* — ${pct(c.confidence)}`)
    .join("\n");
  const evidence =
    report.verdict === "cause-found"
      ? top.evidence
          .filter((e) => e.weight > 0)
          .slice(0, 3)
          .map((e) => `• ${escape(e.summary)}`)
          .join("\n")
      : "";
  const blocks: object[] = [
    ...securityBlocks(report),
    { type: "header", text: plain(`Session diagnosis${target ? `: ${target}` : ""}`, LIMITS.header) },
    section(`*Verdict:* ${VERDICT_WORDS[report.verdict]} — ${escape(report.summary)}`),
  ];
  if (causes) blocks.push(section(`*Top causes*\n${causes}`));
  if (evidence) blocks.push(section(`*Key evidence*\n${evidence}`));
  if (report.verdict === "cause-found")
    blocks.push(section(`*Recommended fix*\n${top.fixes.map((f) => `• ${escape(f)}`).join("\n")}`));
  const time = when(at);
  blocks.push(
    context(
      `Run by <@${startedBy}>${time ? ` · ${time}` : ""}${permalink ? ` · <${permalink}|diagnosis thread>` : ""}`,
    ),
  );
  return blocks as KnownBlock[];
}

export function summaryText({ report, target }: SummaryContext): string {
  return `Session diagnosis${target ? ` of ${target}` : ""}: ${report.summary}`;
}

/** The same summary as Markdown, to paste into an incident document. */
export function summaryMarkdown({ report, startedBy, target, permalink, at }: SummaryContext): string {
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
    for (const s of top.snippets.slice(0, 2))
      lines.push(`**${s.title}** (${s.stack})`, "```" + s.language, s.code.trimEnd(), "```", "");
  }
  const time = when(at);
  lines.push(
    `Run by <@${startedBy}>${time ? `, ${time}` : ""}${permalink ? ` — [diagnosis thread](${permalink})` : ""}`,
  );
  return lines.join("\n");
}
