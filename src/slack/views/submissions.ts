import type { App } from "@slack/bolt";
import { answerProblem } from "../../engine/route.js";
import { evidenceFromLog } from "../../evidence/logs.js";
import { VIEW } from "../blocks/ids.js";
import { reportingErrors, timedAck, type ListenerDeps } from "../listeners/context.js";

/** Modal submissions: a free-text answer (checked before the modal closes), pasted evidence, a summary's channel. */
export function register(app: App, deps: ListenerDeps): void {
  app.view(VIEW.textAnswer, async ({ ack, view, body, client }) => {
    const { diagnosis, question, message } = JSON.parse(view.private_metadata) as {
      diagnosis: string;
      question: string;
      message?: string;
    };
    const value = (view.state.values.answer?.value?.value ?? "").trim();
    const pending = await deps.diagnoses.pendingOf(diagnosis).catch(() => null);
    const problem = pending?.id === question ? answerProblem(pending.node, value || null) : null;
    if (problem) {
      await timedAck(deps, "view", () => ack({ response_action: "errors", errors: { answer: problem } }));
      return;
    }
    await timedAck(deps, "view", () => ack());
    await reportingErrors(deps, client, { user: body.user.id }, () =>
      deps.diagnoses.answer(client, {
        diagnosis,
        question,
        value: value || null,
        user: body.user.id,
        messageTs: message,
      }),
    );
  });

  app.view(VIEW.evidence, async ({ ack, view, body, client }) => {
    const text = view.state.values.log?.text?.value ?? "";
    const items = evidenceFromLog(text, "pasted");
    if (items.length === 0) {
      await timedAck(deps, "view", () =>
        ack({
          response_action: "errors",
          errors: { log: "No known error signature in this text. Paste the exception or error lines themselves." },
        }),
      );
      return;
    }
    await timedAck(deps, "view", () => ack());
    await reportingErrors(deps, client, { user: body.user.id }, async () => {
      await deps.diagnoses.evidence(client, {
        diagnosis: view.private_metadata,
        event: { type: "EVIDENCE", ref: "pasted", items, by: body.user.id },
        user: body.user.id,
      });
    });
  });

  app.view(VIEW.summary, async ({ ack, view, body, client }) => {
    await timedAck(deps, "view", () => ack());
    const channel = view.state.values.channel?.channel?.selected_conversation;
    if (!channel) return;
    await reportingErrors(deps, client, { user: body.user.id }, () =>
      deps.diagnoses.postSummary(client, view.private_metadata, channel),
    );
  });
}
