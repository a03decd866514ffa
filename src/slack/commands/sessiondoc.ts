import type { App } from "@slack/bolt";
import { ACTION } from "../blocks/ids.js";
import { plain } from "../blocks/limits.js";
import { firstDelivery, reportingErrors, tellEphemeral, timedAck, type ListenerDeps } from "../listeners/context.js";

const HELP = [
  "*sessiondoc* diagnoses session replication problems: random logouts, carts lost after a failover, CSRF errors.",
  "• `/sessiondoc diagnose` — pick a target and start a diagnosis in a thread",
  "• `/sessiondoc diagnose checkout-prod` — start one against a configured target (or an allowlisted URL)",
  "• `/sessiondoc summary #incident-channel` — post the summary of this channel's latest diagnosis there",
  "• `/sessiondoc watch checkout-prod [#channel] [every 5m]` — probe a target every interval; one alert per incident, with the diagnosis in its thread",
  "• `/sessiondoc unwatch checkout-prod [#channel]` — stop watching it",
  "• `/sessiondoc help` — this message",
].join("\n");

/** `/sessiondoc diagnose [target|url]`, `summary #channel`, `watch TARGET [#channel] [every 5m]`, `unwatch TARGET`, `help`. */
export function register(app: App, deps: ListenerDeps): void {
  app.command("/sessiondoc", async ({ command, ack, respond, client }) => {
    const text = typeof command.text === "string" ? command.text : "";
    const [verb = "help", arg, ...more] = text.trim().split(/\s+/).filter(Boolean);
    if (!command.channel_id || !command.user_id) {
      await timedAck(deps, "command", () => ack({ response_type: "ephemeral", text: "This command needs a channel." }));
      return;
    }
    // A command delivered twice (a replayed request) acts once; each invocation has its own trigger.
    if (command.trigger_id && !(await firstDelivery(deps, `command:${command.trigger_id}`))) {
      await timedAck(deps, "command", () => ack());
      return;
    }
    const who = { channel: command.channel_id, user: command.user_id };
    const tell = tellEphemeral(deps, client, who, respond);
    if (verb === "diagnose") {
      await timedAck(deps, "command", () => ack());
      if (!arg && Object.keys(deps.config.targets).length) {
        await reportingErrors(deps, tell, who.user, async () => {
          const targets = await deps.diagnoses.targetsFor(client, who);
          await respond({
            response_type: "ephemeral",
            text: "Which system should I diagnose?",
            blocks: [
              { type: "section", text: { type: "mrkdwn", text: "Which system should I diagnose?" } },
              {
                type: "actions",
                elements: [
                  ...(targets.length
                    ? [
                        {
                          type: "static_select" as const,
                          action_id: ACTION.pickTarget,
                          placeholder: plain("Choose a target"),
                          options: targets.slice(0, 100).map((t) => ({ text: plain(t), value: t })),
                        },
                      ]
                    : []),
                  { type: "button", action_id: `${ACTION.pickTarget}-none`, text: plain("Without probes"), value: "-" },
                ],
              },
            ],
          });
        });
        return;
      }
      const ref = !arg
        ? {}
        : /^<?https?:\/\//.test(arg)
          ? { url: arg.replace(/^<|>$/g, "").split("|")[0] }
          : { target: arg };
      await reportingErrors(deps, tell, who.user, () => deps.diagnoses.start(client, who, ref));
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
      await reportingErrors(deps, tell, who.user, async () => {
        const id = await deps.diagnoses.latestIn(command.channel_id);
        if (!id) {
          await tell("There is no diagnosis in this channel yet; start one with `/sessiondoc diagnose`.");
          return;
        }
        await deps.diagnoses.postSummary(client, { diagnosis: id, channel, user: who.user });
        await tell(`Summary posted to <#${channel}>.`);
      });
      return;
    }
    if (verb === "watch" || verb === "unwatch") {
      await timedAck(deps, "command", () => ack());
      const words = [arg, ...more].filter((w): w is string => Boolean(w));
      await reportingErrors(deps, tell, who.user, async () =>
        tell(await (verb === "watch" ? deps.watches.watch(who, words) : deps.watches.unwatch(who, words))).then(
          () => undefined,
        ),
      );
      return;
    }
    await timedAck(deps, "command", () => ack({ response_type: "ephemeral", text: HELP }));
  });
}
