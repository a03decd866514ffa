import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import type { View, WebClient } from "@slack/web-api";
import { z } from "zod";
import { clip, LIMITS, plain } from "../blocks/limits.js";
import {
  clickedIn,
  firstDelivery,
  reportingErrors,
  tellEphemeral,
  timedAck,
  type ListenerDeps,
  type Tell,
} from "./context.js";

/** A modal a button opens; its private metadata says which diagnosis (and question) its submission is for. */
export function modalView(
  callback: string,
  metadata: string,
  title: string,
  submit: string,
  blocks: View["blocks"],
): View {
  return {
    type: "modal",
    callback_id: callback,
    private_metadata: clip(metadata, LIMITS.privateMetadata),
    title: plain(title, LIMITS.modalTitle),
    submit: plain(submit, LIMITS.modalTitle),
    blocks,
  };
}

export function openModal(deps: ListenerDeps, client: WebClient, trigger: string, view: View) {
  return deps.calls.required("open the form", () => client.views.open({ trigger_id: trigger, view }));
}

/** A button whose value names a diagnosis, and which opens a modal about it. */
export function modalButton(app: App, deps: ListenerDeps, actionId: string, view: (diagnosis: string) => View): void {
  app.action<BlockAction>(actionId, async ({ ack, body, action, client }) => {
    await timedAck(deps, "action", () => ack());
    if (!body.user?.id) return;
    await reportingErrors(deps, tellEphemeral(deps, client, clickedIn(body)), body.user.id, async () => {
      await openModal(deps, client, body.trigger_id, view((action as ButtonAction).value ?? ""));
    });
  });
}

export const DiagnosisId = z.string().regex(/^[\w-]{1,100}$/);

export const OUT_OF_DATE = "This form is out of date; open it again from the diagnosis thread.";

/** A modal has no channel: the person is told in the diagnosis' thread, privately. */
export function tellInThread(deps: ListenerDeps, client: WebClient, diagnosis: string, user: string): Tell {
  return async (text) => {
    const channel = await deps.diagnoses.channelOf(diagnosis);
    if (channel)
      await deps.calls.bestEffort("post a note", () => client.chat.postEphemeral({ ...channel, user, text }));
  };
}

/** The same modal submitted twice (a double click, a replayed request) is handled once. */
export const firstSubmission = (deps: ListenerDeps, view: { id?: string }) =>
  firstDelivery(deps, `view:${view.id ?? ""}`);
