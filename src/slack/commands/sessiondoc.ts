import type { App } from "@slack/bolt";
import { ACTION } from "../blocks/ids.js";
import { plain } from "../blocks/limits.js";
import { reportingErrors, timedAck, type ListenerDeps } from "../listeners/context.js";

const HELP = [
  "*sessiondoc* diagnoses session replication problems: random logouts, carts lost after a failover, CSRF errors.",
  "• `/sessiondoc diagnose` — pick a target and start a diagnosis in a thread",
  "• `/sessiondoc diagnose checkout-prod` — start one against a configured target (or an allowlisted URL)",
  "• `/sessiondoc summary #incident-channel` — post the summary of this channel's latest diagnosis there",
  "• `/sessiondoc help` — this message",
].join("\n");

/** `/sessiondoc diagnose [target|url]`, `/sessiondoc summary #channel`, `/sessiondoc help`. */
export function register(app: App, deps: ListenerDeps): void {
  app.command("/sessiondoc", async ({ command, ack, respond, client }) => {
    const [verb = "help", arg] = command.text.trim().split(/\s+/).filter(Boolean);
    const who = { channel: command.channel_id, user: command.user_id };
    if (verb === "diagnose") {
      await timedAck(deps, "command", () => ack());
      const targets = Object.keys(deps.config.targets);
      if (!arg && targets.length) {
        await respond({
          response_type: "ephemeral",
          text: "Which system should I diagnose?",
          blocks: [
            { type: "section", text: { type: "mrkdwn", text: "Which system should I diagnose?" } },
            {
              type: "actions",
              elements: [
                {
                  type: "static_select",
                  action_id: ACTION.pickTarget,
                  placeholder: plain("Choose a target"),
                  options: targets.slice(0, 100).map((t) => ({ text: plain(t), value: t })),
                },
                { type: "button", action_id: `${ACTION.pickTarget}-none`, text: plain("Without probes"), value: "-" },
              ],
            },
          ],
        });
        return;
      }
      const ref = !arg ? {} : /^https?:\/\//.test(arg) ? { url: arg.replace(/^<|>$/g, "") } : { target: arg };
      await reportingErrors(deps, client, who, () => deps.diagnoses.start(client, who, ref));
      return;
    }
    if (verb === "summary") {
      const channel = /^<#(C\w+|G\w+)(\|[^>]*)?>$/.exec(arg ?? "")?.[1];
      if (!channel) {
        await timedAck(deps, "command", () =>
          ack({
            response_type: "ephemeral",
            text: "Name the channel to post to: `/sessiondoc summary #incident-channel`",
          }),
        );
        return;
      }
      await timedAck(deps, "command", () => ack());
      await reportingErrors(deps, client, who, async () => {
        const id = await deps.diagnoses.latestIn(command.channel_id);
        if (!id) {
          await respond({
            response_type: "ephemeral",
            text: "There is no diagnosis in this channel yet; start one with `/sessiondoc diagnose`.",
          });
          return;
        }
        await deps.diagnoses.postSummary(client, id, channel);
        await respond({ response_type: "ephemeral", text: `Summary posted to <#${channel}>.` });
      });
      return;
    }
    await timedAck(deps, "command", () => ack({ response_type: "ephemeral", text: HELP }));
  });
}
