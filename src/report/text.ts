import { TARGET_FLAGS, type TargetKind } from "../model/targets.js";
import type { Report } from "./schema.js";
import { securityAlerts, securityHeadline } from "./security.js";

const pct = (x: number) => `${Math.round(x * 100)} %`;
const sign = (w: number) => (w > 0 ? "+" : "−");

export type TextOptions = {
  /** Causes shown in detail. */
  detailed?: number;
  /** Wrap prose to this many columns (code is never wrapped); no wrapping when absent. */
  width?: number;
  /** ANSI colour for a terminal. */
  color?: boolean;
  /** The command that runs this diagnosis again with the same answers, and what to add to it. */
  rerun?: { command: string; add?: string };
};

type Style = "bold" | "red" | "green" | "yellow" | "dim";
/** SGR codes on and off; the caller decides whether the output is a terminal that wants them. */
const SGR: Record<Style, [number, number]> = {
  bold: [1, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  dim: [2, 22],
};
const styled = (style: Style, text: string) => `\x1b[${SGR[style][0]}m${text}\x1b[${SGR[style][1]}m`;
/** A line of the report: prose wraps under its own indent; code keeps every character where it is. */
type Line = { text: string; code?: boolean; style?: Style };

export const VERDICT_WORDS: Record<Report["verdict"], string> = {
  "cause-found": "cause found",
  "no-fault-found": "no fault found",
  inconclusive: "inconclusive",
};
const VERDICT_STYLE: Record<Report["verdict"], Style> = {
  "cause-found": "red",
  "no-fault-found": "green",
  inconclusive: "yellow",
};

/** The report for a terminal: the verdict and what to do first, then why, then everything that was looked at. */
export function renderText(report: Report, opts: TextOptions = {}): string {
  const detailed = opts.detailed ?? 3;
  const out: Line[] = [];
  const say = (text: string, style?: Style) => out.push({ text, ...(style ? { style } : {}) });
  const blank = () => say("");

  // A leak of one user's session to others comes before everything else, whatever the verdict ranks first.
  for (const alert of securityAlerts(report)) {
    const rule = "!".repeat(72);
    say(rule, "red");
    say(`!! ${securityHeadline(alert)}`, "red");
    for (const e of alert.evidence.slice(0, 3)) say(`!!   • ${e}`, "red");
    for (const f of alert.fixes) say(`!!   Act now: ${f}`, "red");
    say(rule, "red");
    blank();
  }
  say(`Verdict: ${report.verdict}`, VERDICT_STYLE[report.verdict]);
  say(report.summary, "bold");
  if (report.next) {
    const flags = report.next.inputs.targets.map((t) => TARGET_FLAGS[t as TargetKind] ?? t);
    const steps = [
      ...(flags.length ? [`give ${flags.join(", ")}`] : []),
      ...(report.next.inputs.questions.length ? [`answer ${report.next.inputs.questions.join(", ")}`] : []),
    ];
    if (steps.length) say(`To settle it: ${steps.join(", or ")}.`, "bold");
  }
  const unlikely = report.questions.filter((q) => q.skipped === "unlikely-to-change").map((q) => q.id);
  if (report.verdict === "cause-found" && unlikely.length)
    say(`Not asked, as unlikely to overturn it: ${unlikely.join(", ")} (answer them to check).`);
  for (const u of report.unexplained) say(`Also seen, and no cause explains it: ${u.summary}`, "yellow");
  const open = report.causes.filter((c) => c.coverage.status === "not-examined").map((c) => c.id);
  if (open.length && report.verdict !== "cause-found" && !report.next?.reason.startsWith("not examined"))
    say(`Not examined: ${open.join(", ")}.`);
  blank();

  const top = report.causes[0];
  if (report.verdict === "cause-found" && top) {
    say(`Fix (${top.id}):`, "bold");
    for (const f of top.fixes) say(`  • ${f}`);
    for (const s of top.snippets) {
      say(`  ${s.title} (${s.stack}):`);
      for (const line of s.code.trimEnd().split("\n")) out.push({ text: `      ${line}`, code: true });
    }
    if (opts.rerun) {
      say(`  Once the fix is in, check again${opts.rerun.add ? ` (${opts.rerun.add})` : ""}:`);
      out.push({ text: `      ${opts.rerun.command}`, code: true });
    }
    blank();
  }

  const likely = report.causes.filter((c) => c.confidence > 0).slice(0, detailed);
  likely.forEach((c, i) => {
    say(`${i + 1}. ${c.title} [${c.id}] — ${pct(c.confidence)}`, i === 0 ? "bold" : undefined);
    say(`   ${c.summary}`);
    if (c.evidence.length) {
      say("   Evidence:");
      for (const e of c.evidence) say(`     ${sign(e.weight)} (${e.source}) ${e.summary}`);
    }
    blank();
  });

  const rest = report.causes.filter((c) => !likely.includes(c) && c.evidence.length > 0);
  if (rest.length) {
    say("Also examined:");
    for (const c of rest)
      say(`   ${c.id} — ${pct(c.confidence)}${c.evidence.some((e) => e.weight < 0) ? " (evidence against)" : ""}`);
    blank();
  }

  const ran = report.probes.filter((p) => p.status !== "skipped");
  const skipped = report.probes.filter((p) => p.status === "skipped");
  if (report.probes.length) {
    say("Probes:");
    for (const p of ran) {
      say(`   ${p.id} ${p.status} (${p.durationMs} ms) ${p.target}${p.error ? ` — ${p.error}` : ""}`);
      for (const f of p.findings) say(`     · ${f.summary}`, "dim");
    }
    if (skipped.length) say(`   Not run: ${describeSkipped(skipped)}.`, "dim");
    blank();
  }

  const count = (test: (q: Report["questions"][number]) => boolean) => report.questions.filter(test).length;
  const tally = [
    [count((q) => q.source === "user" && q.answer !== null), "answered"],
    [count((q) => q.source === "user" && q.answer === null), "answered “I don't know”"],
    [count((q) => !q.skipped && q.source !== "user" && q.answer === null), "left unknown"],
    [count((q) => q.skipped === "answered-by-probe"), "answered by probes"],
    [count((q) => q.skipped === "known-beforehand"), "known beforehand"],
    [count((q) => q.skipped === "no-longer-separates"), "skipped as no longer needed"],
    [count((q) => q.skipped === "unlikely-to-change"), "not asked as unlikely to change the verdict"],
    [count((q) => q.skipped === "interview-limit"), "not asked once the interview reached its limit"],
  ].filter(([n]) => n) as Array<[number, string]>;
  say(`Questions: ${tally.map(([n, what]) => `${n} ${what}`).join(", ") || "none"}.`);
  for (const n of report.notes) say(`Note: ${n}`);
  if (opts.rerun && report.verdict !== "cause-found") {
    say("Run it again with the same answers:");
    out.push({ text: `   ${opts.rerun.command}`, code: true });
  }
  say(`Diagnosis ${report.diagnosis.id} (flow ${report.diagnosis.flow}@${report.diagnosis.flowVersion}).`, "dim");

  return out
    .flatMap((l) => (l.code || !opts.width ? [l.text] : wrap(l.text, opts.width)).map((text) => ({ ...l, text })))
    .map((l) => (opts.color && l.style && l.text ? styled(l.style, l.text) : l.text))
    .join("\n");
}

/** Skipped probes grouped by what they lacked: "redis.info, redis.sessions (need --redis); …". */
function describeSkipped(skipped: Report["probes"]): string {
  const byNeed = new Map<string, string[]>();
  for (const p of skipped) {
    const need = p.findings.find((f) => f.id === "not-configured")?.summary.replace(/^not run: /, "") ?? "skipped";
    byNeed.set(need, [...(byNeed.get(need) ?? []), p.id]);
  }
  return [...byNeed].map(([need, ids]) => `${ids.join(", ")} (${need})`).join("; ");
}

/**
 * Greedy word wrap that keeps a line's indent (and the width of a leading bullet such as "• " or "+ (probe) ")
 * on its continuation lines; a word longer than the width stays whole rather than being split.
 */
export function wrap(text: string, width: number): string[] {
  if (text.length <= width) return [text];
  const lead = /^(\s*(?:!!\s+)?(?:(?:[•·+−-]|\d+\.)\s+(?:\((?:answer|probe|log)\)\s+)?)?)/.exec(text)![1]!;
  const hang = " ".repeat(lead.length);
  const lines: string[] = [];
  let line = lead;
  for (const word of text.slice(lead.length).split(/ +/)) {
    const start = line === lead || line === hang;
    if (!start && line.length + 1 + word.length > width) {
      lines.push(line);
      line = hang + word;
    } else line += (start ? "" : " ") + word;
  }
  lines.push(line);
  return lines;
}
