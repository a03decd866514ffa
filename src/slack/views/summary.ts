import type { App } from "@slack/bolt";
import { VIEW } from "../blocks/ids.js";
import { reportingErrors, timedAck, type ListenerDeps } from "../listeners/context.js";
import { DiagnosisId, firstSubmission, OUT_OF_DATE, tellInThread } from "../listeners/modals.js";

/** The incident channel chosen for a summary: the summary is posted there. */
export function register(app: App, deps: ListenerDeps): void {
  app.view(VIEW.summary, async ({ ack, view, body, client }) => {
    const diagnosis = DiagnosisId.safeParse(view.private_metadata);
    const channel = view.state.values.channel?.channel?.selected_conversation;
    if (!diagnosis.success || typeof channel !== "string" || !channel) {
      await timedAck(deps, "view", () => ack({ response_action: "errors", errors: { channel: OUT_OF_DATE } }));
      return;
    }
    await timedAck(deps, "view", () => ack());
    if (!(await firstSubmission(deps, view))) return;
    const tell = tellInThread(deps, client, diagnosis.data, body.user.id);
    await reportingErrors(deps, tell, body.user.id, async () => {
      await deps.diagnoses.postSummary(client, { diagnosis: diagnosis.data, channel, user: body.user.id });
      await tell(`Summary posted to <#${channel}>.`);
    });
  });
}
