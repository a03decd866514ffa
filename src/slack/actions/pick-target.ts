import type { App, BlockAction, StaticSelectAction } from "@slack/bolt";
import { ACTION } from "../blocks/ids.js";
import { firstDelivery, reportingErrors, tellEphemeral, timedAck, type ListenerDeps } from "../listeners/context.js";

/** The target menu of `/sessiondoc diagnose`: starts the diagnosis of the chosen target, or one without probes. */
export function register(app: App, deps: ListenerDeps): void {
  app.action<BlockAction>(
    new RegExp(`^${ACTION.pickTarget}(-none)?$`),
    async ({ ack, body, action, client, respond }) => {
      await timedAck(deps, "action", () => ack());
      const channel = body.channel?.id ?? body.container?.channel_id;
      if (!body.user?.id) return;
      if (!channel) {
        await respond({ response_type: "ephemeral", text: "Start the diagnosis from a channel." }).catch(
          () => undefined,
        );
        return;
      }
      const who = { channel, user: body.user.id };
      if (!(await firstDelivery(deps, `action:pick:${body.user.id}:${action.action_ts}`))) return;
      const target =
        action.type === "static_select" ? (action as StaticSelectAction).selected_option?.value : undefined;
      await respond({ delete_original: true }).catch(() => undefined);
      await reportingErrors(deps, tellEphemeral(deps, client, who, respond), who.user, () =>
        deps.diagnoses.start(client, who, target ? { target } : {}),
      );
    },
  );
}
