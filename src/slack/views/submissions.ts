import type { App } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import { z } from "zod";
import { answerProblem } from "../../engine/route.js";
import { evidenceFromLog } from "../../evidence/logs.js";
import { VIEW } from "../blocks/ids.js";
import { firstDelivery, reportingErrors, timedAck, type ListenerDeps, type Tell } from "../listeners/context.js";

const DiagnosisId = z.string().regex(/^[\w-]{1,100}$/);
const TextAnswerMetadata = z.object({
  diagnosis: DiagnosisId,
  question: z.string().min(1),
  message: z.string().optional(),
});

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const OUT_OF_DATE = "This form is out of date; open it again from the diagnosis thread.";

/** Modal submissions: a free-text answer (checked before the modal closes), pasted evidence, a summary's channel. */
export function register(app: App, deps: ListenerDeps): void {
  /** A modal has no channel: the person is told in the diagnosis' thread, privately. */
  const tellIn =
    (client: WebClient, diagnosis: string, user: string): Tell =>
    async (text) => {
      const channel = await deps.diagnoses.channelOf(diagnosis);
      if (channel)
        await deps.calls.bestEffort("post a note", () => client.chat.postEphemeral({ ...channel, user, text }));
    };
  // The same modal submitted twice (a double click, a replayed request) is handled once.
  const once = (view: { id?: string }) => firstDelivery(deps, `view:${view.id ?? ""}`);

  app.view(VIEW.textAnswer, async ({ ack, view, body, client }) => {
    const meta = TextAnswerMetadata.safeParse(parseJson(view.private_metadata));
    if (!meta.success) {
      await timedAck(deps, "view", () => ack({ response_action: "errors", errors: { answer: OUT_OF_DATE } }));
      return;
    }
    const { diagnosis, question, message } = meta.data;
    const value = String(view.state.values.answer?.value?.value ?? "").trim();
    const pending = await deps.diagnoses.pendingOf(diagnosis).catch(() => null);
    const problem = pending?.id === question ? answerProblem(pending.node, value || null) : null;
    if (problem) {
      await timedAck(deps, "view", () => ack({ response_action: "errors", errors: { answer: problem } }));
      return;
    }
    await timedAck(deps, "view", () => ack());
    if (!(await once(view))) return;
    await reportingErrors(deps, tellIn(client, diagnosis, body.user.id), body.user.id, () =>
      deps.diagnoses.answer(client, {
        diagnosis,
        question,
        value: value || null,
        user: body.user.id,
        ...(message ? { messageTs: message } : {}),
      }),
    );
  });

  app.view(VIEW.evidence, async ({ ack, view, body, client }) => {
    const diagnosis = DiagnosisId.safeParse(view.private_metadata);
    if (!diagnosis.success) {
      await timedAck(deps, "view", () => ack({ response_action: "errors", errors: { log: OUT_OF_DATE } }));
      return;
    }
    const items = evidenceFromLog(String(view.state.values.log?.text?.value ?? ""), "pasted");
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
    if (!(await once(view))) return;
    await reportingErrors(deps, tellIn(client, diagnosis.data, body.user.id), body.user.id, () =>
      deps.diagnoses.evidence(client, {
        diagnosis: diagnosis.data,
        event: { type: "EVIDENCE", ref: "pasted", items, by: body.user.id },
        user: body.user.id,
      }),
    );
  });

  app.view(VIEW.summary, async ({ ack, view, body, client }) => {
    const diagnosis = DiagnosisId.safeParse(view.private_metadata);
    const channel = view.state.values.channel?.channel?.selected_conversation;
    if (!diagnosis.success || typeof channel !== "string" || !channel) {
      await timedAck(deps, "view", () => ack({ response_action: "errors", errors: { channel: OUT_OF_DATE } }));
      return;
    }
    await timedAck(deps, "view", () => ack());
    if (!(await once(view))) return;
    const tell = tellIn(client, diagnosis.data, body.user.id);
    await reportingErrors(deps, tell, body.user.id, async () => {
      await deps.diagnoses.postSummary(client, { diagnosis: diagnosis.data, channel, user: body.user.id });
      await tell(`Summary posted to <#${channel}>.`);
    });
  });
}
