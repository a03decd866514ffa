import { TARGET_FLAGS, type TargetKind } from "../model/targets.js";
import type { Report } from "./schema.js";
import { securityAlerts, securityHeadline } from "./security.js";

const pct = (x: number) => `${Math.round(x * 100)} %`;
const sign = (w: number) => (w > 0 ? "+" : "−");

/** The report for a terminal: verdict, the likely causes in detail, the rest in one line each. */
export function renderText(report: Report, opts: { detailed?: number } = {}): string {
  const detailed = opts.detailed ?? 3;
  const out: string[] = [];
  // A leak of one user's session to others comes before everything else, whatever the verdict ranks first.
  for (const alert of securityAlerts(report)) {
    const rule = "!".repeat(72);
    out.push(rule, `!! ${securityHeadline(alert)}`);
    for (const e of alert.evidence.slice(0, 3)) out.push(`!!   • ${e}`);
    for (const f of alert.fixes) out.push(`!!   Act now: ${f}`);
    out.push(rule, "");
  }
  out.push(`Verdict: ${report.verdict}`, report.summary);
  if (report.next) {
    const flags = report.next.inputs.targets.map((t) => TARGET_FLAGS[t as TargetKind] ?? t);
    const steps = [
      ...(flags.length ? [`give ${flags.join(", ")}`] : []),
      ...(report.next.inputs.questions.length ? [`answer ${report.next.inputs.questions.join(", ")}`] : []),
    ];
    if (steps.length) out.push(`To settle it: ${steps.join(", or ")}.`);
  }
  for (const u of report.unexplained) out.push(`Also seen, and no cause explains it: ${u.summary}`);
  const open = report.causes.filter((c) => c.coverage.status === "not-examined").map((c) => c.id);
  if (open.length && report.verdict !== "cause-found") out.push(`Not examined: ${open.join(", ")}.`);
  out.push("");

  const likely = report.causes.filter((c) => c.confidence > 0).slice(0, detailed);
  likely.forEach((c, i) => {
    out.push(`${i + 1}. ${c.title} [${c.id}] — ${pct(c.confidence)}`);
    out.push(`   ${c.summary}`);
    if (c.evidence.length) {
      out.push("   Evidence:");
      for (const e of c.evidence) out.push(`     ${sign(e.weight)} (${e.source}) ${e.summary}`);
    }
    if (report.verdict === "cause-found" && i === 0) {
      out.push("   Fix:");
      for (const f of c.fixes) out.push(`     • ${f}`);
      for (const s of c.snippets) {
        out.push(`   ${s.title} (${s.stack}):`);
        for (const line of s.code.trimEnd().split("\n")) out.push(`       ${line}`);
      }
    }
    out.push("");
  });

  const rest = report.causes.filter((c) => !likely.includes(c) && c.evidence.length > 0);
  if (rest.length) {
    out.push("Also examined:");
    for (const c of rest)
      out.push(`   ${c.id} — ${pct(c.confidence)}${c.evidence.some((e) => e.weight < 0) ? " (evidence against)" : ""}`);
    out.push("");
  }

  if (report.probes.length) {
    out.push("Probes:");
    for (const p of report.probes) {
      out.push(`   ${p.id} ${p.status} (${p.durationMs} ms) ${p.target}${p.error ? ` — ${p.error}` : ""}`);
      for (const f of p.findings) out.push(`     · ${f.summary}`);
    }
    out.push("");
  }

  const count = (test: (q: Report["questions"][number]) => boolean) => report.questions.filter(test).length;
  const tally = [
    [count((q) => q.source === "user" && q.answer !== null), "answered"],
    [count((q) => !q.skipped && q.answer === null), "left unknown"],
    [count((q) => q.skipped === "answered-by-probe"), "answered by probes"],
    [count((q) => q.skipped === "known-beforehand"), "known beforehand"],
    [count((q) => q.skipped === "no-longer-separates"), "skipped as no longer needed"],
  ].filter(([n]) => n) as Array<[number, string]>;
  out.push(`Questions: ${tally.map(([n, what]) => `${n} ${what}`).join(", ") || "none"}.`);
  for (const n of report.notes) out.push(`Note: ${n}`);
  out.push(`Diagnosis ${report.diagnosis.id} (flow ${report.diagnosis.flow}@${report.diagnosis.flowVersion}).`);
  return out.join("\n");
}
