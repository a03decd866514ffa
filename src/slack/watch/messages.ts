import type { KnownBlock } from "@slack/web-api";
import type { Report } from "../../report/schema.js";
import { context, escape, section } from "../blocks/limits.js";
import { resultBlocks } from "../blocks/result.js";

/** The one message an incident posts in the channel: what got worse; the diagnosis follows in its thread. */
export function alertMessage(target: string, worse: string[]): { text: string; blocks: KnownBlock[] } {
  const text = `🔴 Sessions on *${escape(target)}* got worse: ${escape(worse.join("; "))}`;
  return {
    text,
    blocks: [
      section(text),
      context("The diagnosis follows in this thread. One alert per incident; a message here when it clears."),
    ] as KnownBlock[],
  };
}

/** The diagnosis of the incident, for its thread: the result without buttons, since it was run by the watch. */
export function diagnosisMessage(report: Report, diagnosis: string): { text: string; blocks: KnownBlock[] } {
  return { text: report.summary, blocks: resultBlocks(report, diagnosis).filter((b) => b.type !== "actions") };
}

export function recoveryMessage(target: string, since: string, line: string): string {
  return `✅ *${escape(target)}* recovered (incident since ${since.slice(0, 16).replace("T", " ")} UTC): ${escape(line)}`;
}

/** An interval as people write it: 5m, 1h, 90s. */
export function every(seconds: number): string {
  for (const [unit, size] of [
    ["h", 3600],
    ["m", 60],
  ] as const)
    if (seconds % size === 0) return `${seconds / size}${unit}`;
  return `${seconds}s`;
}
