import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import { ACTION, parseQuestionBlockId, VIEW } from "../blocks/ids.js";
import { clip, plain } from "../blocks/limits.js";
import { clickedIn, reportingErrors, tellEphemeral, timedAck, type ListenerDeps } from "../listeners/context.js";
import { modalView, openModal } from "../listeners/modals.js";

/** The button of a free-text question: opens a modal for the answer, with the question's hint. */
export function register(app: App, deps: ListenerDeps): void {
  app.action<BlockAction>(ACTION.answerText, async ({ ack, body, action, client }) => {
    await timedAck(deps, "action", () => ack());
    const ids = parseQuestionBlockId(String((action as ButtonAction).block_id ?? ""));
    if (!ids || !body.user?.id) return;
    await reportingErrors(deps, tellEphemeral(deps, client, clickedIn(body)), body.user.id, async () => {
      const pending = await deps.diagnoses.pendingFor(client, ids.diagnosis, body.user.id);
      const node = pending?.id === ids.question ? pending.node : undefined;
      await openModal(
        deps,
        client,
        body.trigger_id,
        modalView(VIEW.textAnswer, JSON.stringify({ ...ids, message: body.message?.ts }), "Answer", "Answer", [
          {
            type: "input",
            block_id: "answer",
            label: plain(clip(node?.text ?? "Your answer", 2000), 2000),
            element: {
              type: "plain_text_input",
              action_id: "value",
              ...(node?.input ? { placeholder: plain(node.input.hint, 150) } : {}),
            },
          },
        ]),
      );
    });
  });
}
