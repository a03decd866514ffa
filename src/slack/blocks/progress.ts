import type { KnownBlock } from "@slack/web-api";
import type { ProbeRun } from "../../model/findings.js";
import { context, escape, section } from "./limits.js";

const ICON: Record<ProbeRun["status"], string> = { ok: "✅", partial: "🟡", failed: "❌", skipped: "⏭️" };

/** The probes' progress, updated in place: what ran, what it found, what is running now. */
export function progressBlocks(runs: ProbeRun[], running?: string): KnownBlock[] {
  const lines = runs
    .filter((r) => r.status !== "skipped")
    .map((r) => {
      const top = r.findings.find((f) => f.anomaly) ?? r.findings[0];
      return `${ICON[r.status]} *${r.probe}* (${r.durationMs} ms)${top ? ` — ${escape(top.summary)}` : ""}${r.error ? ` — ${escape(r.error)}` : ""}`;
    });
  const skipped = runs.filter((r) => r.status === "skipped").map((r) => r.probe);
  const blocks: object[] = [
    section(`*Probes*\n${lines.join("\n") || "_none yet_"}${running ? `\n⏳ *${running}* running…` : ""}`),
  ];
  if (skipped.length) blocks.push(context(`Not run (no target for them): ${skipped.join(", ")}`));
  return blocks as KnownBlock[];
}
