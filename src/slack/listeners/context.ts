import type { WebClient } from "@slack/web-api";
import type { Logger } from "../../log.js";
import { redactText } from "../../redact.js";
import type { Config } from "../../config/schema.js";
import { DiagnosisError } from "../../engine/engine.js";
import { LockTimeout, type DiagnosisStore } from "../../store/types.js";
import type { SlackDiagnoses } from "../diagnoses.js";
import type { Metrics } from "../metrics.js";
import { UserFacingError } from "../targets.js";

export type ListenerDeps = {
  diagnoses: SlackDiagnoses;
  store: DiagnosisStore;
  config: Config;
  log: Logger;
  metrics: Metrics;
  /** Runs work after acks a few at a time, so a burst of diagnoses never delays the next request's ack. */
  background: <T>(work: () => Promise<T>) => Promise<T>;
};

/**
 * Runs a listener's work after its ack: a refusal or a mistake becomes a polite ephemeral note to the user,
 * anything else is logged and reported without internals or secrets.
 */
export async function reportingErrors(
  deps: ListenerDeps,
  client: WebClient,
  where: { channel?: string; user: string; thread?: string },
  work: () => Promise<void>,
) {
  try {
    await deps.background(work);
  } catch (err) {
    // Refusals, a busy diagnosis and an answer the engine would not take are the user's to know, in plain words.
    const friendly = err instanceof UserFacingError || err instanceof LockTimeout || err instanceof DiagnosisError;
    if (!friendly) deps.log.error({ err: redactText((err as Error).message), user: where.user }, "listener failed");
    if (!where.channel) return;
    const text = friendly
      ? (err as Error).message
      : `Something went wrong: ${redactText((err as Error).message)}. Try again, or start a new diagnosis.`;
    await client.chat
      .postEphemeral({ channel: where.channel, user: where.user, thread_ts: where.thread, text })
      .catch(() => undefined);
  }
}

/** Times an ack for the ack-latency metric. */
export async function timedAck(deps: ListenerDeps, kind: string, ack: () => Promise<void>): Promise<void> {
  const end = deps.metrics.ackLatency.startTimer({ kind });
  await ack();
  end();
}
