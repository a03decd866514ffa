import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import { ACTION, VIEW } from "../blocks/ids.js";
import { plain } from "../blocks/limits.js";
import { clickedIn, reportingErrors, tellEphemeral, timedAck, type ListenerDeps } from "../listeners/context.js";
import { modalView, openModal } from "../listeners/modals.js";

/** The "Add evidence" button: opens a modal to paste log lines or a stack trace into. */
export function register(app: App, deps: ListenerDeps): void {
  app.action<BlockAction>(ACTION.evidence, async ({ ack, body, action, client }) => {
    await timedAck(deps, "action", () => ack());
    if (!body.user?.id) return;
    await reportingErrors(deps, tellEphemeral(deps, client, clickedIn(body)), body.user.id, () =>
      openModal(
        deps,
        client,
        body.trigger_id,
        modalView(VIEW.evidence, (action as ButtonAction).value ?? "", "Add evidence", "Add", [
          {
            type: "input",
            block_id: "log",
            label: plain("Log lines or a stack trace", 2000),
            element: { type: "plain_text_input", action_id: "text", multiline: true, max_length: 3000 },
          },
        ]),
      ).then(() => undefined),
    );
  });
}
