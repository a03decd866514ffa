import type { HomeView, KnownBlock } from "@slack/web-api";
import type { DiagnosisRecord } from "../../model/diagnosis.js";
import { every } from "../watch/messages.js";
import type { WatchEntry } from "../watch/store.js";
import { context, escape, LIMITS, plain, section } from "./limits.js";

export type HomeEntry = { record: DiagnosisRecord; verdict?: string };

const WATCH_STATUS = { ok: "🟢 ok", regression: "🔴 regression", ongoing: "🟠 still failing" } as const;

/** App Home: how to start, the watches with their last result, and the recent diagnoses with their verdict and thread. */
export function homeView(entries: HomeEntry[], targets: string[], watches: WatchEntry[] = []): HomeView {
  const blocks: object[] = [
    { type: "header", text: plain("sessiondoc", LIMITS.header) },
    section(
      "Diagnoses session replication problems: random logouts, carts lost after a failover, CSRF errors.\n" +
        `Start one in a channel with \`/sessiondoc diagnose${targets.length ? ` ${targets[0]}` : ""}\`; \`/sessiondoc help\` lists the commands.`,
    ),
  ];
  if (targets.length) blocks.push(context(`Targets: ${targets.map((t) => `\`${t}\``).join(", ")}`));
  if (watches.length) {
    blocks.push({ type: "divider" }, section("*Watches*"));
    for (const w of watches.slice(0, 10)) {
      const last = w.last
        ? `${WATCH_STATUS[w.last.status]} at ${w.last.at.slice(0, 16).replace("T", " ")} UTC — ${escape(w.last.line.replace(/^\S+ /, ""))}`
        : "no round yet";
      blocks.push(section(`*${escape(w.target)}* → <#${w.channel}> every ${every(w.intervalSeconds)} · ${last}`));
    }
  }
  blocks.push({ type: "divider" }, section("*Recent diagnoses*"));
  if (entries.length === 0) blocks.push(context("None yet."));
  for (const { record, verdict } of entries.slice(0, 20)) {
    const link = record.meta.permalink ? `<${record.meta.permalink}|thread>` : "";
    const state = verdict ?? "in progress";
    blocks.push(
      section(
        `*${escape(record.meta.targetName ?? record.meta.adhocUrl ?? "no target")}* — ${state} · <@${record.meta.user ?? "unknown"}> · ${record.updatedAt.slice(0, 16).replace("T", " ")} UTC ${link}`,
      ),
    );
  }
  return { type: "home", blocks: blocks.slice(0, LIMITS.homeBlocks) as KnownBlock[] };
}
