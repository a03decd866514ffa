import type { KnownBlock } from "@slack/web-api";
import { pct, topCauses, when, type SummaryContext } from "../../report/markdown.js";
import { VERDICT_WORDS } from "../../report/text.js";
import { context, escape, plain, section, LIMITS } from "./limits.js";
import { securityBlocks } from "./security.js";

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
