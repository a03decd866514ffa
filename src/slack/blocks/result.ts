import type { KnownBlock } from "@slack/web-api";
import { TARGET_KEYS, type TargetKind } from "../../model/targets.js";
import type { Report } from "../../report/schema.js";
import { securityBlocks } from "./security.js";
import { ACTION } from "./ids.js";
import { clip, context, escape, LIMITS, plain, section } from "./limits.js";

const pct = (x: number) => `${Math.round(x * 100)} %`;
const VERDICT: Record<Report["verdict"], string> = {
  "cause-found": "🎯 Cause found",
  "no-fault-found": "💚 No fault found",
  inconclusive: "❔ Inconclusive",
};

/**
 * The result in the thread: verdict, likely causes with their evidence, the fix for the stack, and what next. One
 * message, edited in place when new evidence re-ranks it (`updated`).
 */
export function resultBlocks(report: Report, diagnosis: string, updated = false): KnownBlock[] {
  const blocks: object[] = [
    ...securityBlocks(report),
    { type: "header", text: plain(`${VERDICT[report.verdict]}${updated ? " (updated)" : ""}`, LIMITS.header) },
    ...(updated ? [context("🔄 Updated: re-ranked with the evidence added since the first result.")] : []),
    section(escape(report.summary)),
  ];
  const likely = report.causes.filter((c) => c.confidence > 0).slice(0, 3);
  for (const [i, c] of likely.entries()) {
    const evidence = c.evidence.slice(0, 5).map((e) => `${e.weight > 0 ? "➕" : "➖"} ${escape(e.summary)}`);
    blocks.push(section(`*${i + 1}. ${escape(c.title)}* (\`${c.id}\`) — ${pct(c.confidence)}\n${evidence.join("\n")}`));
  }
  if (report.unexplained.length)
    blocks.push(
      section(
        clip(
          `*Also seen, and no cause explains it*\n${report.unexplained.map((u) => `⚠️ ${escape(u.summary)}`).join("\n")}`,
          LIMITS.sectionText,
        ),
      ),
    );
  // An open verdict says what would settle it: a question's text, or the targets a configured target would need.
  if (report.next) {
    const { questions, targets } = report.next.inputs;
    const ways = [
      ...(targets.length
        ? [
            `diagnose a target of sessiondoc.yaml that has ${targets.map((t) => `\`${TARGET_KEYS[t as TargetKind] ?? t}\``).join(", ")}`,
          ]
        : []),
      ...questions.map((id) => `answer “${escape(report.questions.find((q) => q.id === id)?.text ?? id)}”`),
    ];
    if (ways.length) blocks.push(section(clip(`*To settle it*: ${ways.join(", or ")}`, LIMITS.sectionText)));
  }
  const top = report.causes[0];
  if (report.verdict === "cause-found" && top) {
    blocks.push(section(`*Fix*\n${top.fixes.map((f) => `• ${escape(f)}`).join("\n")}`));
    for (const s of top.snippets.slice(0, 3)) {
      blocks.push(section(clip(`_${escape(s.title)}_ (${s.stack})\n\`\`\`${s.code}\`\`\``, LIMITS.sectionText)));
    }
    // What was left unasked because its answer would hardly change this: the on-call can still check it.
    const unlikely = report.questions.filter((q) => q.skipped === "unlikely-to-change").map((q) => escape(q.text));
    if (unlikely.length) blocks.push(context(`Not asked, as unlikely to overturn it: ${unlikely.join(" · ")}`));
  }
  const byPeople = report.questions.filter((q) => q.source === "user");
  const unknown = byPeople.filter((q) => q.answer === null).length;
  const byProbes = report.questions.filter((q) => q.source === "probe").length;
  blocks.push(
    context(
      `${byPeople.length - unknown} questions answered, ${unknown} "I don't know", ${byProbes} answered by probes · diagnosis \`${diagnosis}\``,
    ),
  );
  blocks.push({
    type: "actions",
    block_id: `result|${diagnosis}`,
    elements: [
      {
        type: "button",
        action_id: ACTION.summaryPost,
        text: plain("📣 Post summary"),
        style: "primary",
        value: diagnosis,
      },
      { type: "button", action_id: ACTION.summaryMarkdown, text: plain("📝 Export Markdown"), value: diagnosis },
      { type: "button", action_id: ACTION.evidence, text: plain("📋 Add logs"), value: diagnosis },
    ],
  });
  return blocks.slice(0, LIMITS.blocks) as KnownBlock[];
}
