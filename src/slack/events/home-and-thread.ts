import type { App } from "@slack/bolt";
import { buildReport } from "../../report/build.js";
import { evidenceFromLog } from "../../evidence/logs.js";
import { homeView } from "../blocks/home.js";
import { reportingErrors, type ListenerDeps } from "../listeners/context.js";
import type { Definitions } from "../../engine/definitions.js";
import { FLOW } from "../diagnoses.js";

/** App Home (recent diagnoses) and log lines pasted as replies in a diagnosis thread. */
export function register(app: App, deps: ListenerDeps & { defs: Definitions }): void {
  app.event("app_home_opened", async ({ event, client }) => {
    if (event.tab !== "home") return;
    const records = await deps.store.recent(20);
    const flow = deps.defs.flows.get(FLOW)!.flow;
    const entries = records.map((record) => ({
      record,
      verdict: record.snapshot.status === "done" ? buildReport(record, flow, deps.defs).verdict : undefined,
    }));
    await client.views.publish({ user_id: event.user, view: homeView(entries, Object.keys(deps.config.targets)) });
  });

  app.event("message", async ({ event, client, body }) => {
    const msg = event as {
      thread_ts?: string;
      channel: string;
      user?: string;
      text?: string;
      bot_id?: string;
      subtype?: string;
    };
    if (!msg.thread_ts || !msg.user || msg.bot_id || msg.subtype || !msg.text) return;
    // Slack retries events it thinks were not received; each event is handled once.
    if (!(await deps.store.firstTime(`event:${(body as { event_id?: string }).event_id}`, 3600))) return;
    const diagnosis = await deps.diagnoses.byThread(msg.channel, msg.thread_ts);
    if (!diagnosis) return;
    const items = evidenceFromLog(msg.text, "thread");
    if (items.length === 0) return;
    await reportingErrors(deps, client, { channel: msg.channel, user: msg.user, thread: msg.thread_ts }, async () => {
      await deps.diagnoses.evidence(client, {
        diagnosis,
        event: { type: "EVIDENCE", ref: "thread", items, by: msg.user },
        user: msg.user!,
      });
    });
  });
}
