import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import type { View } from "@slack/web-api";
import { ACTION, parseQuestionBlockId, VIEW } from "../blocks/ids.js";
import { clip, LIMITS, plain } from "../blocks/limits.js";
import { reportingErrors, timedAck, type ListenerDeps } from "../listeners/context.js";

/** Buttons that open a modal: a free-text answer, pasted evidence, and where to post the summary. */
export function register(app: App, deps: ListenerDeps): void {
  app.action<BlockAction>(ACTION.answerText, async ({ ack, body, action, client }) => {
    await timedAck(deps, "action", () => ack());
    const ids = parseQuestionBlockId((action as ButtonAction).block_id);
    if (!ids) return;
    await reportingErrors(deps, client, { channel: body.channel?.id, user: body.user.id }, async () => {
      const pending = await deps.diagnoses.pendingOf(ids.diagnosis);
      const node = pending?.id === ids.question ? pending.node : undefined;
      await client.views.open({
        trigger_id: body.trigger_id,
        view: modal(VIEW.textAnswer, JSON.stringify({ ...ids, message: body.message?.ts }), "Answer", "Answer", [
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
      });
    });
  });

  const modal = (callback: string, metadata: string, title: string, submit: string, blocks: View["blocks"]): View => ({
    type: "modal",
    callback_id: callback,
    private_metadata: clip(metadata, LIMITS.privateMetadata),
    title: plain(title, LIMITS.modalTitle),
    submit: plain(submit, LIMITS.modalTitle),
    blocks,
  });

  app.action<BlockAction>(ACTION.evidence, async ({ ack, body, action, client }) => {
    await timedAck(deps, "action", () => ack());
    await client.views.open({
      trigger_id: body.trigger_id,
      view: modal(VIEW.evidence, (action as ButtonAction).value ?? "", "Add evidence", "Add", [
        {
          type: "input",
          block_id: "log",
          label: plain("Log lines or a stack trace", 2000),
          element: { type: "plain_text_input", action_id: "text", multiline: true, max_length: 3000 },
        },
      ]),
    });
  });

  app.action<BlockAction>(ACTION.summaryPost, async ({ ack, body, action, client }) => {
    await timedAck(deps, "action", () => ack());
    await client.views.open({
      trigger_id: body.trigger_id,
      view: modal(VIEW.summary, (action as ButtonAction).value ?? "", "Post summary", "Post", [
        {
          type: "input",
          block_id: "channel",
          label: plain("Incident channel"),
          element: { type: "conversations_select", action_id: "channel", filter: { include: ["public", "private"] } },
        },
      ]),
    });
  });

  app.action<BlockAction>(ACTION.summaryMarkdown, async ({ ack, body, action, client }) => {
    await timedAck(deps, "action", () => ack());
    const who = { channel: body.channel?.id, user: body.user.id, thread: body.message?.thread_ts };
    await reportingErrors(deps, client, who, async () => {
      const markdown = await deps.diagnoses.markdown((action as ButtonAction).value ?? "");
      await client.chat.postEphemeral({
        channel: who.channel!,
        user: who.user,
        thread_ts: who.thread,
        text: clip(`\`\`\`\n${markdown}\n\`\`\``, LIMITS.sectionText),
      });
    });
  });
}
