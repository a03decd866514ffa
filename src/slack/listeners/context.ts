import type { BlockAction, RespondFn } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import type { Config } from "../../config/schema.js";
import { DiagnosisError } from "../../engine/engine.js";
import type { Logger } from "../../log.js";
import { redactText } from "../../redact.js";
import { LockTimeout, type DiagnosisStore } from "../../store/types.js";
import type { SlackDiagnoses } from "../diagnoses.js";
import type { Metrics } from "../metrics.js";
import type { SlackCalls } from "../slack-calls.js";
import { UserFacingError } from "../targets.js";
import type { SlackWatches } from "../watch/watches.js";

export type ListenerDeps = {
  diagnoses: SlackDiagnoses;
  store: DiagnosisStore;
  config: Config;
  log: Logger;
  metrics: Metrics;
  calls: SlackCalls;
  watches: SlackWatches;
};

/** Tells the person acting something only they see. */
export type Tell = (text: string) => Promise<unknown>;

/**
 * An ephemeral message where the person acted; where Slack will not take it (the bot is not in the channel, Slack
 * is failing) and the request has a response_url, through that instead.
 */
export function tellEphemeral(
  deps: Pick<ListenerDeps, "calls">,
  client: WebClient,
  where: { channel?: string; user: string; thread?: string },
  respond?: RespondFn,
): Tell {
  return async (text) => {
    const posted =
      where.channel &&
      (await deps.calls.bestEffort("post a note", () =>
        client.chat.postEphemeral({ channel: where.channel!, user: where.user, thread_ts: where.thread, text }),
      ));
    if (!posted && respond)
      await deps.calls.bestEffort("answer through the response URL", () =>
        respond({ response_type: "ephemeral", text }),
      );
  };
}

/** Where a button was clicked, for notes to the person who clicked it. */
export function clickedIn(body: BlockAction): { channel?: string; user: string; thread?: string } {
  return { channel: body.channel?.id, user: body.user.id, thread: body.message?.thread_ts };
}

/** True the first time a request (a command's trigger, a click, a modal, an event) is seen: retries act once. */
export const firstDelivery = (deps: ListenerDeps, key: string) => deps.store.firstTime(key, 3600);

/**
 * Runs a listener's work after its ack: a refusal or a mistake becomes a polite note to the user, anything else is
 * logged and reported without internals or secrets.
 */
export async function reportingErrors(
  deps: Pick<ListenerDeps, "log">,
  tell: Tell,
  user: string,
  work: () => Promise<void>,
) {
  try {
    await work();
  } catch (err) {
    // Refusals, a busy diagnosis and an answer the engine would not take are the user's to know, in plain words.
    const friendly = err instanceof UserFacingError || err instanceof LockTimeout || err instanceof DiagnosisError;
    if (!friendly) deps.log.error({ err: redactText((err as Error).message), user }, "listener failed");
    const text = friendly
      ? (err as Error).message
      : `Something went wrong: ${redactText((err as Error).message)}. Try again, or start a new diagnosis.`;
    await tell(text).catch(() => undefined);
  }
}

/** Times an ack for the ack-latency metric. */
export async function timedAck(deps: ListenerDeps, kind: string, ack: () => Promise<void>): Promise<void> {
  const end = deps.metrics.ackLatency.startTimer({ kind });
  await ack();
  end();
}
