import type { App } from "@slack/bolt";
import { evidenceFromLog } from "../../evidence/logs.js";
import { VIEW } from "../blocks/ids.js";
import { reportingErrors, timedAck, type ListenerDeps } from "../listeners/context.js";
import { DiagnosisId, firstSubmission, OUT_OF_DATE, tellInThread } from "../listeners/modals.js";

/** Pasted evidence: kept open with a hint when it matches no known error signature, else added to the diagnosis. */
export function register(app: App, deps: ListenerDeps): void {
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
    if (!(await firstSubmission(deps, view))) return;
    await reportingErrors(deps, tellInThread(deps, client, diagnosis.data, body.user.id), body.user.id, () =>
      deps.diagnoses.evidence(client, {
        diagnosis: diagnosis.data,
        event: { type: "EVIDENCE", ref: "pasted", items, by: body.user.id },
        user: body.user.id,
      }),
    );
  });
}
