import type { App, BlockAction, ButtonAction, StaticSelectAction } from "@slack/bolt";
import { ACTION, parseQuestionBlockId } from "../blocks/ids.js";
import { answerValue } from "../blocks/question.js";
import {
  clickedIn,
  firstDelivery,
  reportingErrors,
  tellEphemeral,
  timedAck,
  type ListenerDeps,
} from "../listeners/context.js";

/** An answer clicked on a question's buttons or chosen from its menu. */
export function register(app: App, deps: ListenerDeps): void {
  app.action<BlockAction>(
    new RegExp(`^${ACTION.answer}-(\\d+|unknown)$|^${ACTION.answerSelect}$`),
    async ({ ack, body, action, client }) => {
      await timedAck(deps, "action", () => ack());
      const ids = parseQuestionBlockId(String((action as ButtonAction).block_id ?? ""));
      const raw =
        action.type === "static_select"
          ? (action as StaticSelectAction).selected_option?.value
          : (action as ButtonAction).value;
      if (!ids || typeof raw !== "string" || !body.user?.id) return;
      const who = clickedIn(body);
      // The same click delivered twice (a retried request) is handled once.
      const key = `action:${ids.diagnosis}:${body.user.id}:${(action as ButtonAction).action_ts}`;
      if (!(await firstDelivery(deps, key))) return;
      await reportingErrors(deps, tellEphemeral(deps, client, who), who.user, () =>
        deps.diagnoses.answer(client, {
          diagnosis: ids.diagnosis,
          question: ids.question,
          value: answerValue(raw),
          user: body.user.id,
          messageTs: body.message?.ts,
        }),
      );
    },
  );
}
