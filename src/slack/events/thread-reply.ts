import type { App } from "@slack/bolt";
import { evidenceFromLog } from "../../evidence/logs.js";
import { firstDelivery, reportingErrors, tellEphemeral, type ListenerDeps } from "../listeners/context.js";

/** Log lines pasted as a reply in a diagnosis thread: evidence for that diagnosis. */
export function register(app: App, deps: ListenerDeps): void {
  app.event("message", async ({ event, client, body }) => {
    const msg = event as {
      thread_ts?: string;
      channel: string;
      user?: string;
      text?: string;
      bot_id?: string;
      subtype?: string;
    };
    if (!msg.thread_ts || !msg.user || msg.bot_id || msg.subtype || typeof msg.text !== "string") return;
    // Slack retries events it thinks were not received; each event is handled once.
    const eventId = (body as { event_id?: string }).event_id;
    if (!eventId || !(await firstDelivery(deps, `event:${eventId}`))) return;
    const diagnosis = await deps.diagnoses.byThread(msg.channel, msg.thread_ts);
    if (!diagnosis) return;
    const items = evidenceFromLog(msg.text, "thread");
    if (items.length === 0) return;
    const who = { channel: msg.channel, user: msg.user, thread: msg.thread_ts };
    await reportingErrors(deps, tellEphemeral(deps, client, who), msg.user, async () => {
      await deps.diagnoses.evidence(client, {
        diagnosis,
        event: { type: "EVIDENCE", ref: "thread", items, by: msg.user },
        user: msg.user!,
      });
    });
  });
}
