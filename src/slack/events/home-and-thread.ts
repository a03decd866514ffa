import type { App } from "@slack/bolt";
import { evidenceFromLog } from "../../evidence/logs.js";
import { homeView } from "../blocks/home.js";
import { firstDelivery, reportingErrors, tellEphemeral, type ListenerDeps } from "../listeners/context.js";

/** App Home (the recent diagnoses this person may see) and log lines pasted as replies in a diagnosis thread. */
export function register(app: App, deps: ListenerDeps): void {
  app.event("app_home_opened", async ({ event, client }) => {
    if (event.tab !== "home" || typeof event.user !== "string") return;
    const [entries, targets] = await Promise.all([
      deps.diagnoses.home(client, event.user),
      deps.diagnoses.targetsFor(client, { user: event.user }),
    ]);
    await deps.calls.bestEffort("publish App Home", () =>
      client.views.publish({ user_id: event.user, view: homeView(entries, targets) }),
    );
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
