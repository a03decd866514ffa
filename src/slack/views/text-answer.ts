import type { App } from "@slack/bolt";
import { z } from "zod";
import { answerProblem } from "../../engine/route.js";
import { VIEW } from "../blocks/ids.js";
import { reportingErrors, timedAck, type ListenerDeps } from "../listeners/context.js";
import { DiagnosisId, firstSubmission, OUT_OF_DATE, tellInThread } from "../listeners/modals.js";

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

/** A free-text answer, checked against the question before the modal closes. */
export function register(app: App, deps: ListenerDeps): void {
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
    if (!(await firstSubmission(deps, view))) return;
    await reportingErrors(deps, tellInThread(deps, client, diagnosis, body.user.id), body.user.id, () =>
      deps.diagnoses.answer(client, {
        diagnosis,
        question,
        value: value || null,
        user: body.user.id,
        ...(message ? { messageTs: message } : {}),
      }),
    );
  });
}
