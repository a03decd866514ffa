import type { App } from "@slack/bolt";
import { ACTION, VIEW } from "../blocks/ids.js";
import { plain } from "../blocks/limits.js";
import type { ListenerDeps } from "../listeners/context.js";
import { modalButton, modalView } from "../listeners/modals.js";

/** The "Add evidence" button: opens a modal to paste log lines or a stack trace into. */
export function register(app: App, deps: ListenerDeps): void {
  modalButton(app, deps, ACTION.evidence, (diagnosis) =>
    modalView(VIEW.evidence, diagnosis, "Add evidence", "Add", [
      {
        type: "input",
        block_id: "log",
        label: plain("Log lines or a stack trace", 2000),
        element: { type: "plain_text_input", action_id: "text", multiline: true, max_length: 3000 },
      },
    ]),
  );
}
