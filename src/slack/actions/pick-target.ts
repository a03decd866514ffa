import type { App, BlockAction, StaticSelectAction } from "@slack/bolt";
import { ACTION } from "../blocks/ids.js";
import { reportingErrors, timedAck, type ListenerDeps } from "../listeners/context.js";

/** The target menu of `/sessiondoc diagnose`: starts the diagnosis of the chosen target, or one without probes. */
export function register(app: App, deps: ListenerDeps): void {
  app.action<BlockAction>(
    new RegExp(`^${ACTION.pickTarget}(-none)?$`),
    async ({ ack, body, action, client, respond }) => {
      await timedAck(deps, "action", () => ack());
      const who = { channel: body.channel!.id, user: body.user.id };
      const target = action.type === "static_select" ? (action as StaticSelectAction).selected_option.value : undefined;
      await respond({ delete_original: true }).catch(() => undefined);
      await reportingErrors(deps, client, who, () => deps.diagnoses.start(client, who, target ? { target } : {}));
    },
  );
}
