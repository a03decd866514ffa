import type { KnownBlock, WebClient } from "@slack/web-api";
import type { Config } from "../config/schema.js";
import type { AnswerEvent, EvidenceEvent } from "../engine/context.js";
import type { ProbeRun } from "../model/findings.js";
import type { Definitions } from "../engine/definitions.js";
import { DiagnosisError, type Engine, type PendingQuestion, type Step } from "../engine/engine.js";
import type { Progress } from "../engine/probe-runner.js";
import type { DiagnosisRecord } from "../model/diagnosis.js";
import type { Logger } from "../log.js";
import { buildReport } from "../report/build.js";
import type { Report } from "../report/schema.js";
import type { DiagnosisStore } from "../store/types.js";
import { progressBlocks } from "./blocks/progress.js";
import { answeredBlocks, choiceLabel, questionBlocks } from "./blocks/question.js";
import { resultBlocks } from "./blocks/result.js";
import { summaryBlocks, summaryMarkdown, summaryText, type SummaryContext } from "./blocks/summary.js";
import { escape } from "./blocks/limits.js";
import type { Metrics } from "./metrics.js";
import { mayProbe, resolveTarget, UserFacingError } from "./targets.js";

export const FLOW = "session-replication";
const PROGRESS_INTERVAL_MS = 1000;

export type SlackDeps = {
  engine: Engine;
  store: DiagnosisStore;
  config: Config;
  defs: Definitions;
  log: Logger;
  metrics: Metrics;
};

const threadKey = (channel: string, ts: string) => `thread:${channel}:${ts}`;
const latestKey = (channel: string) => `latest:${channel}`;

/**
 * Diagnoses as Slack conversations: a root message in the channel, then progress, questions and the result in its
 * thread. Every step runs under the diagnosis' lock, from the record in the store, so any replica can take the
 * next click and a restart loses nothing.
 */
export function slackDiagnoses(deps: SlackDeps) {
  const { engine, store, config, defs, log, metrics } = deps;
  const flow = () => defs.flows.get(FLOW)!;

  const targetsOf = (record: DiagnosisRecord) =>
    resolveTarget(config, { target: record.meta.targetName, url: record.meta.adhocUrl }).targets;

  /** Progress updates in place, at most once a second, honouring Slack's Retry-After. */
  function progressUpdater(client: WebClient, channel: string, ts: string) {
    const runs: ProbeRun[] = [];
    let running: string | undefined;
    let last = 0;
    let pending: Promise<void> = Promise.resolve();
    const push = (force: boolean) => {
      const now = Date.now();
      if (!force && now - last < PROGRESS_INTERVAL_MS) return;
      last = now;
      const blocks = progressBlocks([...runs], running);
      pending = pending.then(() => updateWithRetry(client, { channel, ts, text: "Probes", blocks }, log));
    };
    return {
      onProgress(p: Progress) {
        if (p.kind === "probe-started") running = p.probe;
        else {
          running = undefined;
          runs.push(p.run);
          metrics.probeDuration.observe({ probe: p.run.probe, status: p.run.status }, p.run.durationMs / 1000);
          if (p.run.status === "failed") metrics.probeFailures.inc({ probe: p.run.probe });
        }
        push(false);
      },
      async flush() {
        if (runs.length) push(true);
        await pending;
      },
      runs,
    };
  }

  /** After each step: the next question, or the result; the audit log records who probed what and the verdict. */
  async function afterStep(client: WebClient, step: Step, runs: ProbeRun[]): Promise<void> {
    const { record, pending } = step;
    const channel = record.meta.channel!;
    const thread = record.meta.thread!;
    if (runs.length) {
      log.info(
        {
          audit: true,
          diagnosis: record.id,
          user: record.meta.user,
          target: record.meta.targetName ?? record.meta.adhocUrl ?? null,
          probes: runs.map((r) => `${r.probe}:${r.status}`),
        },
        "probes run",
      );
    }
    if (pending) {
      await client.chat.postMessage({
        channel,
        thread_ts: thread,
        text: pending.node.text,
        blocks: questionBlocks(record.id, pending, stepNumber(record)),
      });
      return;
    }
    const report = buildReport(record, flow().flow, defs);
    metrics.diagnoses.inc({ verdict: report.verdict });
    log.info(
      {
        audit: true,
        diagnosis: record.id,
        user: record.meta.user,
        target: record.meta.targetName ?? record.meta.adhocUrl ?? null,
        verdict: report.verdict,
        cause: report.causes[0]?.id,
      },
      "diagnosis finished",
    );
    await client.chat.postMessage({
      channel,
      thread_ts: thread,
      text: report.summary,
      blocks: resultBlocks(report, record.id),
    });
    await client.chat.update({
      channel,
      ts: thread,
      text: rootText(record, report),
      blocks: rootBlocks(record, report),
    });
  }

  async function summaryOf(diagnosis: string): Promise<SummaryContext> {
    const { record } = await engine.get(diagnosis);
    const report: Report = buildReport(record, flow().flow, defs);
    return {
      report,
      startedBy: record.meta.user ?? "unknown",
      target: record.meta.targetName ?? record.meta.adhocUrl,
      permalink: record.meta.permalink,
    };
  }

  function stepNumber(record: DiagnosisRecord): number {
    return record.snapshot.context.transcript.filter((t) => t.kind === "question" && !t.skipped).length + 1;
  }

  return {
    /** `/sessiondoc diagnose [target|url]`: posts the root message and runs the diagnosis to its first question. */
    async start(
      client: WebClient,
      who: { channel: string; user: string },
      ref: { target?: string; url?: string },
    ): Promise<void> {
      const resolved = resolveTarget(config, ref);
      if (!(await mayProbe(client, ref.target ? config.targets[ref.target] : undefined, who))) {
        throw new UserFacingError(
          `You are not allowed to run probes against \`${resolved.name}\` from this channel. Ask the owners of the target to add you, or run it from its incident channel.`,
        );
      }
      const label = resolved.name ? ` of *${escape(resolved.name)}*` : "";
      const root = await client.chat.postMessage({
        channel: who.channel,
        text: `Session diagnosis${label} started by <@${who.user}>`,
        blocks: [
          {
            type: "section",
            text: {
              type: "mrkdwn",
              text: `🩺 Session diagnosis${label} started by <@${who.user}>. Follow along in the thread.`,
            },
          },
        ],
      });
      const thread = root.ts!;
      const channel = root.channel ?? who.channel;
      const permalink = (await client.chat.getPermalink({ channel, message_ts: thread })).permalink;
      const progress = await client.chat.postMessage({
        channel,
        thread_ts: thread,
        text: "Probes",
        blocks: progressBlocks([], "starting"),
      });
      const updater = progressUpdater(client, channel, progress.ts!);
      const meta: Record<string, string> = {
        channel,
        thread,
        user: who.user,
        progress: progress.ts!,
        ...(permalink ? { permalink } : {}),
      };
      if (ref.target) meta.targetName = ref.target;
      else if (ref.url) meta.adhocUrl = resolved.name;
      const step = await engine.start(
        { flowId: FLOW, facts: resolved.facts, target: resolved.name || undefined, meta },
        { targets: resolved.targets, onProgress: updater.onProgress },
      );
      await Promise.all([
        store.alias(threadKey(channel, thread), step.record.id),
        store.alias(latestKey(channel), step.record.id),
      ]);
      await updater.flush();
      await afterStep(client, step, updater.runs);
    },

    /** A click or a modal answer. A question that is no longer waiting gets a polite note, not an error. */
    async answer(
      client: WebClient,
      input: { diagnosis: string; question: string; value: string | null; user: string; messageTs?: string },
    ): Promise<void> {
      await store.withLock(input.diagnosis, async () => {
        let before: Step;
        try {
          before = await engine.get(input.diagnosis);
        } catch (err) {
          if (err instanceof DiagnosisError && err.code === "not-found")
            throw new UserFacingError("This diagnosis has expired; start a new one with `/sessiondoc diagnose`.");
          throw err;
        }
        const { record } = before;
        const pending = before.pending;
        if (!pending || pending.id !== input.question) {
          await client.chat.postEphemeral({
            channel: record.meta.channel!,
            user: input.user,
            thread_ts: record.meta.thread,
            text: "That question was already answered, and the diagnosis has moved on. Answer the latest question in the thread.",
          });
          return;
        }
        const progressTs = record.meta.progress!;
        const updater = progressUpdater(client, record.meta.channel!, progressTs);
        updater.runs.push(...record.snapshot.context.probes);
        const event: AnswerEvent = {
          type: "ANSWER",
          question: input.question,
          value: input.value,
          source: "user",
          by: input.user,
        };
        const step = await engine.continue(
          input.diagnosis,
          { targets: targetsOf(record), onProgress: updater.onProgress },
          event,
        );
        if (input.messageTs) {
          const n = stepNumber(record);
          await client.chat.update({
            channel: record.meta.channel!,
            ts: input.messageTs,
            text: `${pending.node.text} — ${choiceLabel(pending, input.value)}`,
            blocks: answeredBlocks(pending, n, choiceLabel(pending, input.value), input.user),
          });
        }
        const newRuns = updater.runs.length > record.snapshot.context.probes.length;
        await updater.flush();
        await afterStep(client, step, newRuns ? updater.runs.slice(record.snapshot.context.probes.length) : []);
      });
    },

    /** Pasted logs or a stack trace, from a modal or a thread reply. */
    async evidence(
      client: WebClient,
      input: { diagnosis: string; event: EvidenceEvent; user: string },
    ): Promise<number> {
      return store.withLock(input.diagnosis, async () => {
        const { record } = await engine.get(input.diagnosis);
        const found = input.event.items.length;
        const channel = record.meta.channel!;
        if (found === 0) {
          await client.chat.postEphemeral({
            channel,
            user: input.user,
            thread_ts: record.meta.thread,
            text: "No known error signature in that text, so it was not added as evidence.",
          });
          return 0;
        }
        const wasDone = record.snapshot.status === "done";
        const waiting = typeof record.snapshot.value === "string" ? record.snapshot.value : undefined;
        const step = await engine.continue(input.diagnosis, { targets: targetsOf(record) }, input.event);
        const titles = input.event.items.map((i) => `• ${escape(i.summary)}`).join("\n");
        await client.chat.postMessage({
          channel,
          thread_ts: record.meta.thread,
          text: `Evidence added by <@${input.user}>`,
          blocks: [
            { type: "section", text: { type: "mrkdwn", text: `📋 <@${input.user}> added evidence:\n${titles}` } },
          ],
        });
        // A finished diagnosis is re-ranked; one in progress may skip questions the evidence settled.
        if (wasDone || step.pending?.id !== waiting) await afterStep(client, step, []);
        return found;
      });
    },

    async postSummary(client: WebClient, diagnosis: string, channel: string): Promise<void> {
      const ctx = await summaryOf(diagnosis);
      await client.chat.postMessage({ channel, text: summaryText(ctx), blocks: summaryBlocks(ctx) });
    },

    markdown: async (diagnosis: string): Promise<string> => summaryMarkdown(await summaryOf(diagnosis)),

    byThread: (channel: string, ts: string) => store.resolve(threadKey(channel, ts)),
    latestIn: (channel: string) => store.resolve(latestKey(channel)),
    pendingOf: async (id: string): Promise<PendingQuestion | null> => (await engine.get(id)).pending,
  };
}

export type SlackDiagnoses = ReturnType<typeof slackDiagnoses>;

function rootText(record: DiagnosisRecord, report: Report): string {
  return `Session diagnosis${record.meta.targetName ? ` of ${record.meta.targetName}` : ""}: ${report.summary}`;
}

function rootBlocks(record: DiagnosisRecord, report: Report): KnownBlock[] {
  const target = record.meta.targetName ?? record.meta.adhocUrl;
  return [
    {
      type: "section",
      text: {
        type: "mrkdwn",
        text: `🩺 Session diagnosis${target ? ` of *${escape(target)}*` : ""} by <@${record.meta.user}>: *${report.verdict}* — ${escape(report.summary)}`,
      },
    },
  ];
}

/** chat.update, waiting out a rate limit (Retry-After) once rather than dropping the update. */
async function updateWithRetry(
  client: WebClient,
  args: { channel: string; ts: string; text: string; blocks: KnownBlock[] },
  log: Logger,
): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await client.chat.update(args);
      return;
    } catch (err) {
      const retryAfter = (err as { retryAfter?: number }).retryAfter;
      if (retryAfter === undefined) {
        log.warn({ err: (err as Error).message }, "progress update failed");
        return;
      }
      await new Promise((r) => setTimeout(r, retryAfter * 1000));
    }
  }
}
