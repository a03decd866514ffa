import type { WebClient } from "@slack/web-api";
import { z } from "zod";
import { targetNamed, type Config } from "../../config/schema.js";
import type { Definitions } from "../../engine/definitions.js";
import { createEngine } from "../../engine/engine.js";
import { describeRound, ongoing, recovered, regressions, watchRound, type Round } from "../../engine/watch.js";
import type { Logger } from "../../log.js";
import { buildReport } from "../../report/build.js";
import { MemoryStore } from "../../store/memory.js";
import { LockTimeout, type DiagnosisStore } from "../../store/types.js";
import type { Access } from "../access.js";
import { FLOW } from "../diagnoses.js";
import type { Metrics } from "../metrics.js";
import type { SlackCalls } from "../slack-calls.js";
import { mayProbe, resolveTarget, UserFacingError } from "../targets.js";
import { alertMessage, diagnosisMessage, every, recoveryMessage } from "./messages.js";
import type { JobQueue } from "../../jobs/index.js";
import { watchId, type Watch, type WatchEntry, type WatchStore } from "./store.js";

/** A round of a watch, as a job: any process that works the queue runs it. */
export const RoundJob = z.strictObject({ watch: z.string() });
export type RoundJob = z.infer<typeof RoundJob>;

/** Between rounds when the command names no interval. */
export const DEFAULT_WATCH_SECONDS = 300;
const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600 };

/** `TARGET [#channel] [every 5m]` (or `every 30s`, `every 1h`). */
export function parseWatchArgs(words: string[]): { target: string; channel?: string; intervalSeconds: number } {
  const [target, ...rest] = words;
  if (!target) throw new UserFacingError("Name a target: `/sessiondoc watch checkout-prod [#channel] [every 5m]`.");
  let channel: string | undefined;
  let intervalSeconds = DEFAULT_WATCH_SECONDS;
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i]!;
    const mention = /^<#([CG]\w+)(\|[^>]*)?>$/.exec(word);
    if (mention) channel = mention[1];
    else if (word === "every") {
      const every = /^(\d+)(s|m|h)$/.exec(rest[++i] ?? "");
      const seconds = every ? Number(every[1]) * UNITS[every[2]!]! : 0;
      if (seconds < 1 || seconds > 86_400)
        throw new UserFacingError("Say how often as `every 30s`, `every 5m` or `every 1h` (at most a day).");
      intervalSeconds = seconds;
    } else
      throw new UserFacingError(
        `I did not understand \`${word}\`: \`/sessiondoc watch ${target} [#channel] [every 5m]\`.`,
      );
  }
  return { target, ...(channel ? { channel } : {}), intervalSeconds };
}

/**
 * Watches in Slack: people add and remove them with `/sessiondoc watch` and `unwatch`. Each watch has a schedule on
 * the job queue that adds one round every interval (BullMQ's job schedulers with REDIS_URL, so one round per interval
 * however many replicas run); any process that works the queue runs it, compares with the round before, and tells
 * the channel once per incident, with the full diagnosis in the alert's thread, and again when it clears.
 */
export function slackWatches(deps: {
  watches: WatchStore;
  store: DiagnosisStore;
  config: Config;
  defs: Definitions;
  log: Logger;
  metrics: Metrics;
  calls: SlackCalls;
  access: Access;
  client: WebClient;
  rounds: JobQueue<RoundJob>;
}) {
  const { config, log, metrics, calls, client } = deps;
  const probeTimeoutMs = config.limits.probeTimeoutSeconds * 1000;
  // Each incident's diagnosis runs apart from the app's diagnoses: nobody answers it, and it ends at once.
  const engine = createEngine({ ...deps.defs, store: new MemoryStore(), log, probeTimeoutMs });
  const audit = (fields: Record<string, unknown>, msg: string) => log.info({ audit: true, ...fields }, msg);

  async function diagnose(watch: Watch, ts: string): Promise<void> {
    const resolved = resolveTarget(config, { target: watch.target });
    const step = await engine.start(
      { flowId: FLOW, facts: resolved.facts, target: watch.target },
      { targets: resolved.targets, deadline: Date.now() + config.limits.diagnosisTimeoutSeconds * 1000 },
      (q) => ({ type: "ANSWER", question: q.id, value: null, source: "default" }),
    );
    const report = buildReport(step.record, deps.defs.flows.get(FLOW)!.flow, deps.defs);
    metrics.diagnoses.inc({ verdict: report.verdict });
    audit(
      {
        watch: watch.id,
        user: watch.by,
        target: watch.target,
        probes: report.probes.filter((p) => p.status !== "skipped").map((p) => `${p.id}:${p.status}`),
        verdict: report.verdict,
        cause: report.causes[0]?.id,
      },
      "watch diagnosis finished",
    );
    await calls.bestEffort("post a watch's diagnosis", () =>
      client.chat.postMessage({ channel: watch.channel, thread_ts: ts, ...diagnosisMessage(report, step.record.id) }),
    );
  }

  function record(watch: Watch, round: Round, status: "ok" | "regression" | "ongoing") {
    const target = { target: watch.target };
    const c = round.continuity;
    if (c?.requests) metrics.watchContinuity.set(target, (c.requests - c.anonymous) / c.requests);
    metrics.watchLastRound.set(target, Math.floor(round.at.getTime() / 1000));
    for (const s of ["ok", "regression", "ongoing"])
      metrics.watchStatus.set({ ...target, status: s }, s === status ? 1 : 0);
    if (round.problems.length) metrics.watchProbeFailures.inc(target, round.problems.length);
  }

  /** One round of a watch, on whichever process took its job; never two of one watch at once. */
  async function runRound(id: string): Promise<void> {
    await deps.store
      .withLock(
        `watch:${id}`,
        async () => {
          const watch = await deps.watches.get(id);
          if (!watch) return;
          const resolved = resolveTarget(config, { target: watch.target });
          const round = await watchRound(deps.defs.probes, resolved.targets, log, probeTimeoutMs);
          const prev = watch.prev;
          const worse = regressions(prev, round);
          const line = describeRound(watch.rounds + 1, prev, round);
          let incident = watch.incident;
          // An alert that could not be posted leaves the round before as the one to compare with: the next round
          // sees the same regression and tries again.
          let alertFailed = false;
          if (worse.length && !incident) {
            const posted = await calls.bestEffort("post a watch alert", () =>
              client.chat.postMessage({ channel: watch.channel, ...alertMessage(watch.target, worse) }),
            );
            if (posted?.ts) {
              incident = { ts: posted.ts, since: round.at.toISOString(), what: worse };
              // On record before the diagnosis, which takes a while: a round run again after its worker died does
              // not alert twice.
              await deps.watches.update({ ...watch, incident });
              await diagnose(watch, posted.ts).catch((err: Error) =>
                log.warn({ watch: watch.id, err: err.message }, "watch diagnosis failed"),
              );
            } else alertFailed = true;
          } else if (incident && recovered(prev, round)) {
            const ts = incident.ts;
            const text = recoveryMessage(watch.target, incident.since, line);
            await calls.bestEffort("post a watch recovery", () =>
              client.chat.postMessage({ channel: watch.channel, thread_ts: ts, reply_broadcast: true, text }),
            );
            incident = undefined;
          }
          const status = worse.length ? "regression" : incident || ongoing(round).length ? "ongoing" : "ok";
          record(watch, round, status);
          audit(
            { watch: watch.id, user: watch.by, target: watch.target, round: watch.rounds + 1, status },
            "watch round",
          );
          const { incident: _previous, ...rest } = watch;
          await deps.watches.update({
            ...rest,
            rounds: watch.rounds + 1,
            prev: alertFailed ? watch.prev : round,
            last: { at: round.at.toISOString(), status, line },
            ...(incident ? { incident } : {}),
          });
        },
        { waitMs: 0 },
      )
      .catch((err: unknown) => {
        // The round before is still running (a slow target, a long diagnosis): this slot is skipped.
        if (!(err instanceof LockTimeout)) throw err;
      });
  }

  const scheduleOf = (id: string) => `watch:${id}`;
  /** A round now, then one every interval: a new watch shows its first result at once. */
  async function schedule(watch: Pick<Watch, "id" | "intervalSeconds">) {
    await deps.rounds.every(scheduleOf(watch.id), watch.intervalSeconds * 1000, { watch: watch.id });
    await deps.rounds.add({ watch: watch.id });
  }

  return {
    /** Runs rounds in this process (the app with its worker, or `sessiondoc worker`). */
    async work(concurrency: number) {
      await deps.rounds.work(
        (job) =>
          runRound(job.data.watch).catch((err: Error) =>
            log.warn({ watch: job.data.watch, err: err.message }, "watch round failed"),
          ),
        { concurrency, onAbandoned: async () => {} },
      );
    },
    async stop() {
      await deps.watches.close();
    },

    /** `/sessiondoc watch`: a configured target this person may probe here, into a channel they may post to. */
    async watch(who: { user: string; channel: string }, words: string[]): Promise<string> {
      const args = parseWatchArgs(words);
      resolveTarget(config, { target: args.target });
      const target = targetNamed(config, args.target);
      const channel = args.channel ?? who.channel;
      const refuse = (why: string) => {
        audit({ user: who.user, target: args.target, channel, action: "watch", refused: true }, "action refused");
        return new UserFacingError(why);
      };
      if (!(await mayProbe(client, target, who, calls.withDeadline)))
        throw refuse(`You may not probe \`${args.target}\` from this channel, so you cannot watch it.`);
      if (channel !== who.channel && !target?.allowed?.channels.includes(channel))
        if (!(await deps.access.isMember(client, channel, who.user)))
          throw refuse(`Alerts go only to a channel you are in, or one \`${args.target}\` allows.`);
      const id = watchId(args.target, channel);
      const existing = await deps.watches.get(id);
      await deps.watches.put({
        ...(existing ?? { id, target: args.target, channel, rounds: 0 }),
        intervalSeconds: args.intervalSeconds,
        by: who.user,
        since: existing?.since ?? new Date().toISOString(),
      });
      await schedule({ id, intervalSeconds: args.intervalSeconds });
      audit(
        { user: who.user, target: args.target, channel, action: "watch", intervalSeconds: args.intervalSeconds },
        "watch started",
      );
      return `${existing ? "Now watching" : "Watching"} \`${args.target}\` every ${every(args.intervalSeconds)}: an alert in <#${channel}> when sessions get worse, with the diagnosis in its thread, and a message when it clears. \`/sessiondoc unwatch ${args.target}\` stops it.`;
    },

    /** `/sessiondoc unwatch TARGET [#channel]`: for anyone who may probe the target. */
    async unwatch(who: { user: string; channel: string }, words: string[]): Promise<string> {
      const [name, where] = words;
      if (!name) throw new UserFacingError("Name the target: `/sessiondoc unwatch checkout-prod [#channel]`.");
      const channel = /^<#([CG]\w+)(\|[^>]*)?>$/.exec(where ?? "")?.[1] ?? who.channel;
      if (!(await mayProbe(client, targetNamed(config, name), who, calls.withDeadline)))
        throw new UserFacingError(`You may not probe \`${name}\` from this channel, so you cannot change its watch.`);
      const id = watchId(name, channel);
      await deps.rounds.unschedule(scheduleOf(id));
      const removed = await deps.watches.remove(id);
      if (removed) audit({ user: who.user, target: name, channel, action: "unwatch" }, "watch stopped");
      return removed
        ? `Stopped watching \`${name}\` into <#${channel}>.`
        : `\`${name}\` is not watched into <#${channel}>.`;
    },

    /** The watches of targets this person may probe in the watch's channel, for App Home. */
    async visibleTo(user: string): Promise<WatchEntry[]> {
      const all = await deps.watches.list();
      const allowed = await Promise.all(
        all.map((w) =>
          mayProbe(client, targetNamed(config, w.target), { user, channel: w.channel }, calls.withDeadline).catch(
            () => false,
          ),
        ),
      );
      return all.filter((_, i) => allowed[i]).sort((a, b) => a.target.localeCompare(b.target));
    },
  };
}
export type SlackWatches = ReturnType<typeof slackWatches>;
