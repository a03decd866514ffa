import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import type { View, WebClient } from "@slack/web-api";
import { ACTION, parseQuestionBlockId, VIEW } from "../blocks/ids.js";
import { clip, LIMITS, plain } from "../blocks/limits.js";
import { reportingErrors, tellEphemeral, timedAck, type ListenerDeps } from "../listeners/context.js";

/** Buttons that open a modal (a free-text answer, pasted evidence, where to post the summary), and the export. */
export function register(app: App, deps: ListenerDeps): void {
  const modal = (callback: string, metadata: string, title: string, submit: string, blocks: View["blocks"]): View => ({
    type: "modal",
    callback_id: callback,
    private_metadata: clip(metadata, LIMITS.privateMetadata),
    title: plain(title, LIMITS.modalTitle),
    submit: plain(submit, LIMITS.modalTitle),
    blocks,
  });
  const where = (body: BlockAction) => ({
    channel: body.channel?.id,
    user: body.user.id,
    thread: body.message?.thread_ts,
  });
  const open = (client: WebClient, trigger: string, view: View) =>
    deps.calls.required("open the form", () => client.views.open({ trigger_id: trigger, view }));

  app.action<BlockAction>(ACTION.answerText, async ({ ack, body, action, client }) => {
    await timedAck(deps, "action", () => ack());
    const ids = parseQuestionBlockId(String((action as ButtonAction).block_id ?? ""));
    if (!ids || !body.user?.id) return;
    await reportingErrors(deps, tellEphemeral(deps, client, where(body)), body.user.id, async () => {
      const pending = await deps.diagnoses.pendingFor(client, ids.diagnosis, body.user.id);
      const node = pending?.id === ids.question ? pending.node : undefined;
      await open(
        client,
        body.trigger_id,
        modal(VIEW.textAnswer, JSON.stringify({ ...ids, message: body.message?.ts }), "Answer", "Answer", [
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

  app.action<BlockAction>(ACTION.evidence, async ({ ack, body, action, client }) => {
    await timedAck(deps, "action", () => ack());
    if (!body.user?.id) return;
    await reportingErrors(deps, tellEphemeral(deps, client, where(body)), body.user.id, () =>
      open(
        client,
        body.trigger_id,
        modal(VIEW.evidence, (action as ButtonAction).value ?? "", "Add evidence", "Add", [
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

  app.action<BlockAction>(ACTION.summaryPost, async ({ ack, body, action, client }) => {
    await timedAck(deps, "action", () => ack());
    if (!body.user?.id) return;
    await reportingErrors(deps, tellEphemeral(deps, client, where(body)), body.user.id, () =>
      open(
        client,
        body.trigger_id,
        modal(VIEW.summary, (action as ButtonAction).value ?? "", "Post summary", "Post", [
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

  app.action<BlockAction>(ACTION.summaryMarkdown, async ({ ack, body, action, client }) => {
    await timedAck(deps, "action", () => ack());
    if (!body.user?.id) return;
    const who = where(body);
    const tell = tellEphemeral(deps, client, who);
    await reportingErrors(deps, tell, who.user, async () => {
      const markdown = await deps.diagnoses.markdown(client, String((action as ButtonAction).value ?? ""), who.user);
      await tell(clip(`\`\`\`\n${markdown}\n\`\`\``, LIMITS.sectionText));
    });
  });
}
