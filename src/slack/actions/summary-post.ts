import type { App } from "@slack/bolt";
import { ACTION, VIEW } from "../blocks/ids.js";
import { plain } from "../blocks/limits.js";
import type { ListenerDeps } from "../listeners/context.js";
import { modalButton, modalView } from "../listeners/modals.js";

/** The result's "Post summary" button: opens a modal asking for the incident channel. */
export function register(app: App, deps: ListenerDeps): void {
  modalButton(app, deps, ACTION.summaryPost, (diagnosis) =>
    modalView(VIEW.summary, diagnosis, "Post summary", "Post", [
      {
        type: "input",
        block_id: "channel",
        label: plain("Incident channel"),
        element: { type: "conversations_select", action_id: "channel", filter: { include: ["public", "private"] } },
      },
    ]),
  );
}
