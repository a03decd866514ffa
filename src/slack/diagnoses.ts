import { randomUUID } from "node:crypto";
import type { KnownBlock, WebClient } from "@slack/web-api";
import { z } from "zod";
import { targetNamed, type Config } from "../config/schema.js";
import type { AnswerEvent, EvidenceEvent } from "../engine/context.js";
import type { Definitions } from "../engine/definitions.js";
import { DiagnosisError, type Engine, type PendingQuestion, type Step } from "../engine/engine.js";
import type { JobQueue, JobRun } from "../jobs/index.js";
import { Evidence, type DiagnosisRecord } from "../model/diagnosis.js";
import type { ProbeRun } from "../model/findings.js";
import type { Logger } from "../log.js";
import { redactText } from "../redact.js";
import { buildReport } from "../report/build.js";
import type { Report } from "../report/schema.js";
import type { DiagnosisStore } from "../store/types.js";
import type { Access } from "./access.js";
import type { HomeEntry } from "./blocks/home.js";
import { escape } from "./blocks/limits.js";
import { progressBlocks } from "./blocks/progress.js";
import { evidenceBlocks } from "./blocks/evidence.js";
import { answeredBlocks, choiceLabel, questionBlocks, type AnswerCounts, type LastAnswer } from "./blocks/question.js";
import { resultBlocks } from "./blocks/result.js";
import { summaryMarkdown, type SummaryContext } from "../report/markdown.js";
import { summaryBlocks, summaryText } from "./blocks/summary.js";
import { withNames } from "./mentions.js";
import type { Metrics } from "./metrics.js";
import { progressUpdater } from "./progress.js";
import type { SlackCalls } from "./slack-calls.js";
import type { Slots } from "./slots.js";
import { mayProbe, resolveTarget, UserFacingError } from "./targets.js";

export const FLOW = "session-replication";
/** What the progress message shows before the first probe starts. */
const STARTING = "starting";

export type SlackDeps = {
  engine: Engine;
  store: DiagnosisStore;
  config: Config;
  defs: Definitions;
  log: Logger;
  metrics: Metrics;
  slots: Slots;
  calls: SlackCalls;
  access: Access;
  /** Where steps go to be run by a worker: this process or any other. */
  steps: JobQueue<Work>;
};

const threadKey = (channel: string, ts: string) => `thread:${channel}:${ts}`;
const latestKey = (channel: string) => `latest:${channel}`;

const common = {
  diagnosis: z.string(),
  /** Who acted. */
  user: z.string(),
  /** What it probes (a target name or URL), for sharing background slots fairly. */
  target: z.string().optional(),
};

/**
 * A step that changes a diagnosis, run as a job: if the worker running it dies, another one takes it over (once),
 * or says in the thread that it stopped.
 */
export const Work = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("start"),
    ...common,
    channel: z.string(),
    thread: z.string(),
    progress: z.string().optional(),
    permalink: z.string().optional(),
    ref: z.strictObject({ target: z.string().optional(), url: z.string().optional() }),
  }),
  z.strictObject({
    kind: z.literal("answer"),
    ...common,
    question: z.string(),
    value: z.string().nullable(),
    messageTs: z.string().optional(),
  }),
  z.strictObject({ kind: z.literal("evidence"), ...common, ref: z.string(), items: z.array(Evidence) }),
]);
export type Work = z.infer<typeof Work>;

/**
 * Diagnoses as Slack conversations: a root message in the channel, then progress, questions and the result in its
 * thread. Each step runs in a fair share of background slots, under the diagnosis' lock, from the record in the
 * store, so any replica can take the next click and a restart loses nothing; Slack is only called outside the lock
 * (progress updates excepted: they are never waited for).
 */
export function slackDiagnoses(deps: SlackDeps) {
  const { engine, store, config, defs, log, metrics, slots, calls, access, steps } = deps;
  const flow = () => defs.flows.get(FLOW)!;
  const targetOf = (meta: Record<string, string>) => meta.targetName ?? meta.adhocUrl;
  const targetsOf = (record: DiagnosisRecord) =>
    resolveTarget(config, { target: record.meta.targetName, url: record.meta.adhocUrl }).targets;
  const deadline = () => Date.now() + config.limits.diagnosisTimeoutSeconds * 1000;
  const audit = (fields: Record<string, unknown>, msg: string) => log.info({ audit: true, ...fields }, msg);
  const stepNumber = (record: DiagnosisRecord) =>
    record.snapshot.context.transcript.filter((t) => t.kind === "question" && !t.skipped).length + 1;

  async function load(id: string): Promise<Step> {
    try {
      return await engine.get(id);
    } catch (err) {
      if (err instanceof DiagnosisError && err.code === "not-found")
        throw new UserFacingError(
          "This diagnosis is not on record: it is still starting (try again in a moment), or it has expired (start a new one with `/sessiondoc diagnose`).",
        );
      throw err;
    }
  }

  /** Loads a diagnosis for someone acting on it, refusing those the target's rules do not allow. */
  async function authorized(client: WebClient, id: string, user: string, what: string): Promise<Step> {
    const step = await load(id);
    if (!(await access.mayAct(client, step.record, user))) {
      audit({ diagnosis: id, user, action: what, refused: true }, "action refused");
      throw new UserFacingError(
        `You are not allowed to ${what} this diagnosis: its target \`${step.record.meta.targetName}\` is restricted. Ask its owners to add you.`,
      );
    }
    return step;
  }

  const ephemeral = (client: WebClient, record: DiagnosisRecord, user: string, text: string) =>
    calls.bestEffort("post a note", () =>
      client.chat.postEphemeral({ channel: record.meta.channel!, user, thread_ts: record.meta.thread, text }),
    );

  /**
   * Where a diagnosis' thread messages are (the question card, the result, the evidence), kept on its record under
   * its lock once posted, so that any replica edits them in place instead of posting more.
   */
  async function remember(id: string, fields: Record<string, string>) {
    await store.withLock(id, async () => {
      const record = await store.get(id);
      if (record) await store.put({ ...record, meta: { ...record.meta, ...fields } });
    });
  }

  /** Edits the thread message at `ts`, or posts it when there is none yet; returns its ts. */
  async function place(
    client: WebClient,
    what: string,
    record: DiagnosisRecord,
    ts: string | undefined,
    message: { text: string; blocks: KnownBlock[] },
  ): Promise<string | undefined> {
    const channel = record.meta.channel!;
    if (ts) {
      await calls.required(what, () => client.chat.update({ channel, ts, ...message }));
      return ts;
    }
    const posted = await calls.required(what, () =>
      client.chat.postMessage({ channel, thread_ts: record.meta.thread!, ...message }),
    );
    return posted.ts;
  }

  /**
   * After each step: the next question on the question card, or the card closed and the result; the result again,
   * marked updated, when evidence added afterwards re-ranked it (`previous`: the result as it was). The audit log
   * records who probed what and the verdict.
   */
  async function announce(
    client: WebClient,
    { record, pending }: Step,
    runs: ProbeRun[],
    actor: string,
    opts: { card?: string; last?: LastAnswer; previous?: Report } = {},
  ) {
    const who = { diagnosis: record.id, user: actor, startedBy: record.meta.user, target: targetOf(record.meta) };
    if (runs.length) audit({ ...who, probes: runs.map((r) => `${r.probe}:${r.status}`) }, "probes run");
    const card = opts.card ?? record.meta.card;
    const counts = answerCounts(record);
    if (pending) {
      const blocks = questionBlocks(record.id, pending, stepNumber(record), counts, opts.last);
      const ts = await place(client, "show the next question", record, card, { text: pending.node.text, blocks });
      if (ts && ts !== record.meta.card) await remember(record.id, { card: ts });
      return;
    }
    const report = buildReport(record, flow().flow, defs);
    const root = { channel: record.meta.channel!, ts: record.meta.thread!, text: rootText(record, report) };
    if (opts.previous) {
      // Evidence after the result: the result and the root message change only when the ranking did.
      if (ranking(opts.previous) === ranking(report)) return;
      audit({ ...who, verdict: report.verdict, cause: report.causes[0]?.id }, "diagnosis re-ranked");
      await place(client, "update the result in the thread", record, record.meta.result, {
        text: report.summary,
        blocks: resultBlocks(report, record.id, true),
      });
      if (JSON.stringify(rootBlocks(record, opts.previous)) !== JSON.stringify(rootBlocks(record, report)))
        await calls.bestEffort("show the verdict on the root message", () =>
          client.chat.update({ ...root, blocks: rootBlocks(record, report) }),
        );
      return;
    }
    metrics.diagnoses.inc({ verdict: report.verdict });
    audit({ ...who, verdict: report.verdict, cause: report.causes[0]?.id }, "diagnosis finished");
    if (card)
      await calls.bestEffort("close the question card", () =>
        client.chat.update({
          channel: record.meta.channel!,
          ts: card,
          text: "Questions done",
          blocks: answeredBlocks(counts, opts.last),
        }),
      );
    const result = await place(client, "post the result in the thread", record, undefined, {
      text: report.summary,
      blocks: resultBlocks(report, record.id),
    });
    if (result) await remember(record.id, { result });
    await calls.bestEffort("show the verdict on the root message", () =>
      client.chat.update({ ...root, blocks: rootBlocks(record, report) }),
    );
  }

  /** The evidence added in the thread, on one message edited in place. */
  async function showEvidence(client: WebClient, record: DiagnosisRecord) {
    const blocks = evidenceBlocks(record);
    const ts = await place(client, "post the evidence in the thread", record, record.meta.evidence, {
      text: "Evidence added",
      blocks,
    });
    if (ts && ts !== record.meta.evidence) await remember(record.id, { evidence: ts });
  }

  /** Runs `fn` in a background slot, holding the diagnosis' lock: the only place a diagnosis changes. */
  const locked = <T>(w: Work, fn: () => Promise<T>) =>
    slots.run({ user: w.user, target: w.target }, () => store.withLock(w.diagnosis, fn));

  /**
   * Posts a message of a job's once: a job begun again after its worker died skips what the first run posted. The
   * mark follows the post, so a worker that dies between the two leaves it posted twice, never not at all.
   */
  async function once(job: JobRun<Work>, what: string, post: () => Promise<unknown>) {
    const key = `posted:${job.id}:${what}`;
    if (job.resumed && (await store.resolve(key))) return;
    await post();
    await store.alias(key, job.data.diagnosis);
  }

  async function runStart(client: WebClient, job: JobRun<Work>, w: Extract<Work, { kind: "start" }>) {
    const resolved = resolveTarget(config, w.ref);
    const updater = progressUpdater({
      client,
      calls,
      where: w.progress ? { channel: w.channel, ts: w.progress } : undefined,
      log,
      metrics,
      shown: progressBlocks([], STARTING),
    });
    const meta: Record<string, string> = { channel: w.channel, thread: w.thread, user: w.user };
    if (w.progress) meta.progress = w.progress;
    if (w.permalink) meta.permalink = w.permalink;
    if (w.ref.target) meta.targetName = w.ref.target;
    else if (w.ref.url) meta.adhocUrl = resolved.name;
    const step = await locked(w, async () => {
      // Begun again after its worker died: a start that reached its first stop is not run again.
      const reached = job.resumed ? await engine.get(w.diagnosis).catch(() => undefined) : undefined;
      if (reached && (reached.pending || reached.record.snapshot.status === "done")) return reached;
      return engine.start(
        { id: w.diagnosis, flowId: FLOW, facts: resolved.facts, target: resolved.name || undefined, meta },
        { targets: resolved.targets, onProgress: updater.onProgress, deadline: deadline() },
      );
    });
    updater.finish();
    await once(job, "announce", () => announce(client, step, updater.runs, w.user));
  }

  async function runAnswer(client: WebClient, job: JobRun<Work>, w: Extract<Work, { kind: "answer" }>) {
    const outcome = await locked(w, async () => {
      const before = await load(w.diagnosis);
      const pending = before.pending;
      if (!pending || pending.id !== w.question) return { stale: before, step: undefined };
      const { record } = before;
      const updater = progressUpdater({
        client,
        calls,
        where: record.meta.progress ? { channel: record.meta.channel!, ts: record.meta.progress } : undefined,
        log,
        metrics,
        runs: record.snapshot.context.probes,
        shown: progressBlocks(record.snapshot.context.probes),
      });
      const event: AnswerEvent = { type: "ANSWER", question: w.question, value: w.value, source: "user", by: w.user };
      const step = await engine.continue(
        w.diagnosis,
        { targets: targetsOf(record), onProgress: updater.onProgress, deadline: deadline() },
        event,
      );
      return { record, pending, step, updater };
    });
    if (!outcome.step) {
      // Taken over after a crash that came after the answer was saved: show where the diagnosis is now.
      if (job.resumed) return once(job, "announce", () => announce(client, outcome.stale, [], w.user));
      await ephemeral(
        client,
        outcome.stale.record,
        w.user,
        "That question was already answered, and the diagnosis has moved on. Answer the latest question in the thread.",
      );
      return;
    }
    const { record, pending, step, updater } = outcome;
    audit({ diagnosis: w.diagnosis, user: w.user, action: "answer", question: w.question }, "question answered");
    updater.finish();
    const last = { question: pending.node.text, label: choiceLabel(pending, w.value), user: w.user };
    await once(job, "announce", () =>
      announce(client, step, updater.runs.slice(record.snapshot.context.probes.length), w.user, {
        card: w.messageTs,
        last,
      }),
    );
  }

  async function runEvidence(client: WebClient, job: JobRun<Work>, w: Extract<Work, { kind: "evidence" }>) {
    const event: EvidenceEvent = { type: "EVIDENCE", ref: w.ref, items: w.items, by: w.user };
    const outcome = await locked(w, async () => {
      const { record } = await load(w.diagnosis);
      const ids = new Set(record.snapshot.context.evidence.map((e) => e.id));
      // Begun again after its worker died, with the evidence on record: only what was not posted yet.
      if (job.resumed && w.items.every((i) => ids.has(i.id))) return { record, step: undefined, changed: false };
      const waiting = typeof record.snapshot.value === "string" ? record.snapshot.value : undefined;
      const step = await engine.continue(w.diagnosis, { targets: targetsOf(record), deadline: deadline() }, event);
      return { record, step, changed: record.snapshot.status === "done" || step.pending?.id !== waiting };
    });
    const { record, step } = outcome;
    if (step)
      audit({ diagnosis: w.diagnosis, user: w.user, action: "evidence", items: w.items.length }, "evidence added");
    await once(job, "evidence", () => showEvidence(client, step?.record ?? record));
    // A finished diagnosis is re-ranked; one in progress may skip questions the evidence settled.
    const previous = record.snapshot.status === "done" ? buildReport(record, flow().flow, defs) : undefined;
    if (step && outcome.changed)
      await once(job, "announce", () => announce(client, step, [], w.user, previous ? { previous } : {}));
  }

  /** Says in the thread that a diagnosis stopped, and how to run it again. */
  async function stopped(client: WebClient, w: Work): Promise<void> {
    const record = w.kind === "start" ? undefined : await store.get(w.diagnosis).catch(() => undefined);
    const channel = w.kind === "start" ? w.channel : record?.meta.channel;
    const thread = w.kind === "start" ? w.thread : record?.meta.thread;
    if (!channel || !thread) return;
    const name = w.kind === "start" ? (w.ref.target ?? w.ref.url) : (record?.meta.targetName ?? record?.meta.adhocUrl);
    const rerun = `/sessiondoc diagnose${name ? ` ${name}` : ""}`;
    await calls.bestEffort("say the diagnosis stopped", () =>
      client.chat.postMessage({
        channel,
        thread_ts: thread,
        text: `⚠️ This diagnosis stopped: the app restarted while it was ${w.kind === "start" ? "running its probes" : "taking a step"}, and could not finish it. Run it again with \`${rerun}\`.`,
      }),
    );
  }

  return {
    /** `/sessiondoc diagnose [target|url]`: posts the root message and runs the diagnosis to its first question. */
    async start(
      client: WebClient,
      who: { channel: string; user: string },
      ref: { target?: string; url?: string },
    ): Promise<void> {
      const resolved = resolveTarget(config, ref);
      if (!(await mayProbe(client, targetNamed(config, ref.target), who, calls.withDeadline))) {
        audit({ user: who.user, target: resolved.name, action: "start", refused: true }, "action refused");
        throw new UserFacingError(
          `You are not allowed to run probes against \`${resolved.name}\` from this channel. Ask the owners of the target to add you, or run it from its incident channel.`,
        );
      }
      const label = resolved.name ? ` of *${escape(resolved.name)}*` : "";
      const root = await calls.required("post in this channel", () =>
        client.chat.postMessage({
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
        }),
      );
      const thread = root.ts!;
      const channel = root.channel ?? who.channel;
      const [permalink, progress] = await Promise.all([
        calls.bestEffort("get the thread's link", () => client.chat.getPermalink({ channel, message_ts: thread })),
        calls.bestEffort("post the probes' progress", () =>
          client.chat.postMessage({
            channel,
            thread_ts: thread,
            text: "Probes",
            blocks: progressBlocks([], STARTING),
          }),
        ),
      ]);
      // Named by its thread before it probes, so logs pasted in the thread meanwhile are not lost.
      const diagnosis = randomUUID();
      await Promise.all([
        store.alias(threadKey(channel, thread), diagnosis),
        store.alias(latestKey(channel), diagnosis),
      ]);
      await steps.add({
        kind: "start",
        diagnosis,
        user: who.user,
        target: resolved.name || undefined,
        channel,
        thread,
        ...(progress?.ts ? { progress: progress.ts } : {}),
        ...(permalink?.permalink ? { permalink: permalink.permalink } : {}),
        ref: ref.target ? { target: ref.target } : ref.url ? { url: withoutSecrets(ref.url) } : {},
      });
    },

    /** A click or a modal answer, from someone the target allows. */
    async answer(
      client: WebClient,
      input: { diagnosis: string; question: string; value: string | null; user: string; messageTs?: string },
    ): Promise<void> {
      const { record } = await authorized(client, input.diagnosis, input.user, "answer questions in");
      await steps.add({ kind: "answer", ...input, target: targetOf(record.meta) });
    },

    /** Pasted logs or a stack trace, from a modal or a thread reply, from someone the target allows. */
    async evidence(client: WebClient, input: { diagnosis: string; event: EvidenceEvent; user: string }) {
      const { record } = await authorized(client, input.diagnosis, input.user, "add evidence to");
      await steps.add({
        kind: "evidence",
        diagnosis: input.diagnosis,
        user: input.user,
        target: targetOf(record.meta),
        ref: input.event.ref,
        items: input.event.items,
      });
    },

    /** The summary, posted to a channel the target allows or the person is in. */
    async postSummary(client: WebClient, input: { diagnosis: string; channel: string; user: string }) {
      const { record } = await authorized(client, input.diagnosis, input.user, "post the summary of");
      if (!(await access.maySendSummaryTo(client, record, input.user, input.channel))) {
        audit(
          { diagnosis: record.id, user: input.user, action: "summary", channel: input.channel, refused: true },
          "action refused",
        );
        throw new UserFacingError(
          `The summary was not posted to <#${input.channel}>: post it to a channel you are a member of${targetNamed(config, record.meta.targetName)?.allowed ? " or one the target allows" : ""}.`,
        );
      }
      const ctx = summaryOf(record);
      await calls.required(`post the summary in <#${input.channel}>`, () =>
        client.chat.postMessage({ channel: input.channel, text: summaryText(ctx), blocks: summaryBlocks(ctx) }),
      );
      audit({ diagnosis: record.id, user: input.user, action: "summary", channel: input.channel }, "summary posted");
    },

    /** The summary as Markdown, for someone the target allows: people and channels by name, not by Slack id. */
    async markdown(client: WebClient, diagnosis: string, user: string): Promise<string> {
      const { record } = await authorized(client, diagnosis, user, "export");
      audit({ diagnosis, user, action: "export" }, "summary exported");
      return withNames(client, calls, summaryMarkdown(summaryOf(record)));
    },

    /** Recent diagnoses for App Home: only those this person may see. */
    async home(client: WebClient, user: string): Promise<HomeEntry[]> {
      const records = await store.recent(20);
      const visible = await Promise.all(records.map((r) => access.maySee(client, r, user)));
      return records
        .filter((_, i) => visible[i])
        .map((record) => ({
          record,
          verdict: record.snapshot.status === "done" ? buildReport(record, flow().flow, defs).verdict : undefined,
        }));
    },

    /** Targets this person may start a diagnosis of, here. */
    async targetsFor(client: WebClient, who: { user: string; channel?: string }): Promise<string[]> {
      const names = Object.keys(config.targets);
      const allowed = await Promise.all(
        names.map((n) => mayProbe(client, config.targets[n], who, calls.withDeadline).catch(() => false)),
      );
      return names.filter((_, i) => allowed[i]);
    },

    /** The question waiting in a diagnosis, for someone allowed to answer it. */
    async pendingFor(client: WebClient, diagnosis: string, user: string): Promise<PendingQuestion | null> {
      return (await authorized(client, diagnosis, user, "answer questions in")).pending;
    },

    /**
     * Runs a step taken from the queue, in whichever process took it. A step taken over from a worker that died and
     * failing again is not thrown: the thread says the diagnosis stopped.
     */
    async run(client: WebClient, job: JobRun<Work>): Promise<void> {
      const w = job.data;
      const running =
        w.kind === "start"
          ? runStart(client, job, w)
          : w.kind === "answer"
            ? runAnswer(client, job, w)
            : runEvidence(client, job, w);
      if (!job.resumed) return running;
      log.warn({ diagnosis: w.diagnosis, kind: w.kind }, "taking over a step whose worker stopped");
      await running.catch(async (err: Error) => {
        log.warn({ diagnosis: w.diagnosis, err: redactText(err.message) }, "step taken over failed");
        await stopped(client, w);
      });
    },

    /** A step whose workers died twice: says so in the thread. */
    abandoned: stopped,

    /** Where to tell the person who asked for a step that it failed: the diagnosis' thread. */
    async threadOf(w: Work): Promise<{ channel?: string; thread?: string }> {
      if (w.kind === "start") return { channel: w.channel, thread: w.thread };
      const record = await store.get(w.diagnosis).catch(() => undefined);
      return { channel: record?.meta.channel, thread: record?.meta.thread };
    },

    /** The question waiting, for checking a typed answer before its modal closes (reads the store only). */
    pendingOf: async (id: string): Promise<PendingQuestion | null> => (await engine.get(id)).pending,

    /** Where a diagnosis' thread is, for telling someone something privately there. */
    async channelOf(id: string): Promise<{ channel: string; thread_ts?: string } | undefined> {
      const record = await store.get(id).catch(() => undefined);
      return record?.meta.channel ? { channel: record.meta.channel, thread_ts: record.meta.thread } : undefined;
    },

    byThread: (channel: string, ts: string) => store.resolve(threadKey(channel, ts)),
    latestIn: (channel: string) => store.resolve(latestKey(channel)),
  };

  function summaryOf(record: DiagnosisRecord): SummaryContext {
    const report: Report = buildReport(record, flow().flow, defs);
    return {
      report,
      startedBy: record.meta.user ?? "unknown",
      target: record.meta.targetName ?? record.meta.adhocUrl,
      permalink: record.meta.permalink,
      at: record.updatedAt,
    };
  }
}

export type SlackDiagnoses = ReturnType<typeof slackDiagnoses>;

/** An ad-hoc URL as kept in the store: no credentials, query or fragment that someone typed with it. */
function withoutSecrets(raw: string): string {
  const url = new URL(raw);
  url.username = "";
  url.password = "";
  url.search = "";
  url.hash = "";
  return url.href;
}

/** How many questions people answered, and how many of those answers were "I don't know". */
function answerCounts(record: DiagnosisRecord): AnswerCounts {
  const asked = record.snapshot.context.transcript.filter((t) => t.kind === "question" && t.source === "user");
  const unknown = asked.filter((t) => t.kind === "question" && t.answer === null).length;
  return { answered: asked.length - unknown, unknown };
}

/** What a re-ranking may change: the verdict, the summary, and each cause's confidence and evidence. */
function ranking(report: Report): string {
  return JSON.stringify([
    report.verdict,
    report.summary,
    report.causes.map((c) => [c.id, c.confidence, c.evidence.map((e) => e.summary)]),
  ]);
}

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
