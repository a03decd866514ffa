import type { KnownBlock, WebClient } from "@slack/web-api";
import type { ProbeRun } from "../model/findings.js";
import type { Progress } from "../engine/probe-runner.js";
import type { Logger } from "../log.js";
import { progressBlocks } from "./blocks/progress.js";
import type { Metrics } from "./metrics.js";
import { retryAfterOf, slackReason, type SlackCalls } from "./slack-calls.js";

const PROGRESS_INTERVAL_MS = 1000;
/** A probe is shown as running once it has run this long: one skipped for want of a target never is. */
const SHOW_RUNNING_AFTER_MS = 300;

/**
 * Probe progress shown in place, best effort: updates are coalesced (at most one in flight and one a second; only
 * the latest state is sent), a 429 drops the update and sends the latest state once Retry-After has passed, and
 * nothing here is ever awaited by a diagnosis — a slow or rate-limited Slack never holds up a question. A state the
 * message already shows (`shown`, then each one sent) is not sent again.
 */
export function progressUpdater(opts: {
  client: WebClient;
  calls: SlackCalls;
  where: { channel: string; ts: string } | undefined;
  log: Logger;
  metrics: Metrics;
  runs?: ProbeRun[];
  /** What the progress message shows now. */
  shown: KnownBlock[];
}) {
  const runs: ProbeRun[] = [...(opts.runs ?? [])];
  let running: string | undefined;
  let latest: KnownBlock[] | undefined;
  let latestJson = JSON.stringify(opts.shown);
  let version = 0;
  let sent = 0;
  let inFlight = false;
  let notBefore = 0;
  let timer: NodeJS.Timeout | undefined;
  let runningTimer: NodeJS.Timeout | undefined;

  const send = () => {
    if (inFlight || version === sent || !opts.where || !latest) return;
    const wait = notBefore - Date.now();
    if (wait > 0) {
      timer ??= setTimeout(() => {
        timer = undefined;
        send();
      }, wait);
      timer.unref();
      return;
    }
    inFlight = true;
    const v = version;
    const args = { ...opts.where, text: "Probes", blocks: latest };
    opts.calls
      .withDeadline(() => opts.client.chat.update(args))
      .then(
        () => {
          sent = Math.max(sent, v);
          notBefore = Date.now() + PROGRESS_INTERVAL_MS;
        },
        (err: unknown) => {
          const retryAfter = retryAfterOf(err);
          if (retryAfter !== undefined) notBefore = Date.now() + retryAfter * 1000;
          else {
            sent = Math.max(sent, v);
            opts.log.warn({ reason: slackReason(err) }, "progress update skipped");
          }
        },
      )
      .finally(() => {
        inFlight = false;
        send();
      });
  };

  const show = () => {
    const blocks = progressBlocks([...runs], running);
    const json = JSON.stringify(blocks);
    if (json === latestJson) return;
    latest = blocks;
    latestJson = json;
    version++;
    send();
  };

  return {
    runs,
    onProgress(p: Progress) {
      clearTimeout(runningTimer);
      if (p.kind === "probe-started") {
        running = p.probe;
        runningTimer = setTimeout(show, SHOW_RUNNING_AFTER_MS).unref();
        return;
      }
      running = undefined;
      runs.push(p.run);
      opts.metrics.probeDuration.observe({ probe: p.run.probe, status: p.run.status }, p.run.durationMs / 1000);
      if (p.run.status === "failed") opts.metrics.probeFailures.inc({ probe: p.run.probe });
      show();
    },
    /** The final state, once the step is over (sent when Slack allows, without waiting for it). */
    finish() {
      clearTimeout(runningTimer);
      running = undefined;
      show();
    },
  };
}
