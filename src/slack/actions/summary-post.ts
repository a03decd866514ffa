import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import { ACTION, VIEW } from "../blocks/ids.js";
import { plain } from "../blocks/limits.js";
import { clickedIn, reportingErrors, tellEphemeral, timedAck, type ListenerDeps } from "../listeners/context.js";
import { modalView, openModal } from "../listeners/modals.js";

/** The result's "Post summary" button: opens a modal asking for the incident channel. */
export function register(app: App, deps: ListenerDeps): void {
  app.action<BlockAction>(ACTION.summaryPost, async ({ ack, body, action, client }) => {
    await timedAck(deps, "action", () => ack());
    if (!body.user?.id) return;
    await reportingErrors(deps, tellEphemeral(deps, client, clickedIn(body)), body.user.id, () =>
      openModal(
        deps,
        client,
        body.trigger_id,
        modalView(VIEW.summary, (action as ButtonAction).value ?? "", "Post summary", "Post", [
          {
            type: "input",
            block_id: "channel",
            label: plain("Incident channel"),
            element: {
              type: "conversations_select",
              action_id: "channel",
              filter: { include: ["public", "private"] },
            },
          },
        ]),
      ).then(() => undefined),
    );
  });
}
