import { basename } from "node:path";
import { userInfo } from "node:os";
import type { EvidenceEvent } from "../engine/context.js";
import type { Definitions } from "../engine/definitions.js";
import { createEngine, type AnswerSource, type PendingQuestion } from "../engine/engine.js";
import type { Progress } from "../engine/probe-runner.js";
import type { Repeat } from "../engine/repeat.js";
import { answerProblem, questionNode } from "../engine/route.js";
import { loadConfig } from "../config/load.js";
import { targetNamed } from "../config/schema.js";
import { evidenceFromLog, MAX_LOG_BYTES } from "../evidence/logs.js";
import type { Logger } from "../log.js";
import type { Targets } from "../model/targets.js";
import { redactUrl } from "../redact.js";
import { buildReport } from "../report/build.js";
import { summaryMarkdown } from "../report/markdown.js";
import type { Report } from "../report/schema.js";
import { renderText } from "../report/text.js";
import { MemoryStore } from "../store/memory.js";
import { dryRun, renderDryRun } from "./dry-run.js";
import { EvidenceFileError, readBounded } from "./evidence-file.js";
import { promptAnswer } from "./prompt.js";
import { rerunCommand } from "./rerun.js";
import { UsageError } from "./usage.js";

/** Probes of a diagnosis without a terminal, all together, unless --timeout says otherwise. */
export const DEFAULT_TIMEOUT_SECONDS = 300;
/** Seconds between a probe's rounds with --repeat. */
export const DEFAULT_REPEAT_INTERVAL_SECONDS = 10;
const EVIDENCE_READ_TIMEOUT_MS = 10_000;

export type DiagnoseOptions = {
  flow: string;
  url?: string;
  node?: string[];
  redis?: string;
  sessionPrefix?: string;
  sessionCookie?: string;
  backendHeader?: string;
  allow?: string[];
  login?: Targets["login"];
  sessionPath?: string;
  checkPath?: string;
  healthPath?: string;
  evidence?: string[];
  answer?: string[];
  probeTimeout?: number;
  healthWindow?: number;
  signedInText?: string;
  realtimePath?: string;
  /** Seconds for all the probes of the diagnosis together. */
  timeout?: number;
  /** Each probe in this many rounds (`--repeat`), `interval` seconds apart. */
  repeat?: number;
  interval?: number;
  nonInteractive?: boolean;
  json?: boolean;
  /** The report as text (the default), one JSON document, or the incident summary as Markdown. */
  output?: "text" | "json" | "markdown";
  /** Run as a deploy gate: never prompt, one line (or --json), the gate's exit code. */
  gate?: boolean;
  /** List what the probes would send, and send nothing. */
  dryRun?: boolean;
  /** A target of sessiondoc.yaml, as Slack's `/sessiondoc diagnose NAME` uses it. */
  target?: string;
  /** The words the command was called with, for the command that runs it again. */
  args?: string[];
};

/** Exit codes of `sessiondoc check`, for a pipeline step after a deploy. */
export const GATE_EXIT = { clean: 0, cause: 3, unprobed: 4, inconclusive: 5 } as const;

/** Runs a diagnosis and prints it; returns the exit code (0, or the gate's code with `gate`). */
export async function diagnose(opts: DiagnoseOptions, defs: Definitions, log: Logger): Promise<number> {
  const loaded = defs.flows.get(opts.flow);
  if (!loaded) throw new UsageError(`--flow: no flow "${opts.flow}" (flows: ${[...defs.flows.keys()].join(", ")})`);
  const { targets, facts } = targetsOf(opts);
  const repeat = repeatOf(opts);
  if (opts.dryRun) {
    const probes = dryRun(loaded.flow, defs, targets, probeParamsOf(opts));
    process.stdout.write(
      opts.json || opts.output === "json"
        ? `${JSON.stringify({ dryRun: true, probes }, null, 2)}\n`
        : `${renderDryRun(probes)}\n`,
    );
    // The gate probed nothing: a pipeline that runs it dry must not read a pass.
    return opts.gate ? GATE_EXIT.unprobed : 0;
  }
  // A named target's facts answer their questions as --answer would; an --answer given here wins.
  const presets = parseAnswers(
    [...Object.entries(facts).map(([id, v]) => `${id}=${v}`), ...(opts.answer ?? [])],
    (id) => questionNode(loaded.flow, id),
  );
  const evidence = await Promise.all((opts.evidence ?? []).map(readEvidence));
  const interactive = !opts.nonInteractive && !opts.gate && process.stdin.isTTY === true;
  const by = safeUser();
  // Known answers become facts up front (they outrank probes); "unknown" ones are given when their question comes.
  const upFront = Object.fromEntries([...presets].filter((entry): entry is [string, string] => entry[1] !== null));
  // Every answer a person gives, so that the command printed at the end (or at Ctrl-C) replays them.
  const answered = new Map<string, string | null>();
  const ask = async (q: PendingQuestion) => {
    const answer = await promptAnswer(q, by);
    answered.set(q.id, answer.value);
    return answer;
  };
  const answers: AnswerSource = (q) =>
    presets.has(q.id)
      ? { type: "ANSWER", question: q.id, value: presets.get(q.id) ?? null, source: "user", by: "cli" }
      : interactive
        ? ask(q)
        : { type: "ANSWER", question: q.id, value: null, source: "default" };
  const rerun = () => rerunCommand(opts.args ?? [], answered);

  const engine = createEngine({
    ...defs,
    store: new MemoryStore(),
    log,
    probeTimeoutMs: opts.probeTimeout ? opts.probeTimeout * 1000 : undefined,
  });
  // Ctrl-C at a prompt, or while probes run between prompts: say how to continue with the answers given so far.
  const resume = () => {
    if (!answered.size) return;
    const { command, masked } = rerun();
    process.stderr.write(`\nContinue where you stopped with:\n  ${command}\n${masked ? MASKED_NOTE : ""}`);
  };
  const onSigint = () => {
    resume();
    process.stderr.write("sessiondoc: interrupted\n");
    process.exit(130);
  };
  if (interactive) process.once("SIGINT", onSigint);
  const step = await engine
    .start(
      { flowId: opts.flow, answers: upFront, evidence, target: describeTargets(targets) },
      {
        targets,
        onProgress: process.stderr.isTTY ? showProgress : undefined,
        probeParams: probeParamsOf(opts),
        // A person answering at a prompt takes their time: only an explicit --timeout bounds probes that come later.
        // With --repeat each round gets the usual time, and every probe its waits between rounds.
        deadline:
          opts.timeout || !interactive
            ? Date.now() +
              (opts.timeout ? opts.timeout * 1000 : DEFAULT_TIMEOUT_SECONDS * 1000 * (repeat?.rounds ?? 1)) +
              (opts.timeout || !repeat ? 0 : (repeat.rounds - 1) * repeat.intervalMs * defs.probes.size)
            : undefined,
        ...(repeat ? { repeat } : {}),
      },
      answers,
    )
    .catch((err: Error) => {
      if (err.name === "ExitPromptError") resume();
      throw err;
    })
    .finally(() => process.off("SIGINT", onSigint));
  const report = buildReport(step.record, loaded.flow, defs, targets);
  if (opts.gate) {
    const { code, line } = gateOutcome(report);
    process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${line}\n`);
    return code;
  }
  if (opts.json || opts.output === "json") {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  }
  if (opts.output === "markdown") {
    const at = new Date().toISOString();
    process.stdout.write(
      `${summaryMarkdown({ report, startedBy: by, at, target: describeTargets(targets) }, (who) => who)}\n`,
    );
    return 0;
  }
  // A fix is checked on the system as it is now: the logs pasted show it as it was.
  const recheck = report.verdict === "cause-found";
  const { command, masked } = rerunCommand(opts.args ?? [], answered, { withoutEvidence: recheck });
  const add = recheck && opts.evidence?.length ? "with --evidence, a log from after the fix" : undefined;
  const text = renderText(report, { ...terminalStyle(), rerun: { command, ...(add ? { add } : {}) } });
  process.stdout.write(`${text}\n${masked ? MASKED_NOTE : ""}`);
  return 0;
}

/** `--repeat N` (N over 1) with its `--interval`; an interval alone is a mistake worth saying. */
function repeatOf(opts: DiagnoseOptions): Repeat | undefined {
  if (opts.interval !== undefined && !opts.repeat) throw new UsageError("--interval needs --repeat N (N of 2 or more)");
  if (!opts.repeat || opts.repeat < 2) return undefined;
  return { rounds: opts.repeat, intervalMs: (opts.interval ?? DEFAULT_REPEAT_INTERVAL_SECONDS) * 1000 };
}

/** Parameters the options give probes, over those of the flow's probe nodes. */
function probeParamsOf(opts: DiagnoseOptions): Record<string, Record<string, unknown>> {
  return {
    ...(opts.healthWindow ? { "http.health": { windowSeconds: opts.healthWindow } } : {}),
    ...(opts.realtimePath ? { "http.realtime": { path: opts.realtimePath } } : {}),
  };
}

/** The gate's exit code and its one line: a cause, a clean bill, targets that could not be probed, or neither. */
export function gateOutcome(report: Report): { code: number; line: string } {
  const top = report.causes[0]!;
  if (report.verdict === "cause-found")
    return {
      code: GATE_EXIT.cause,
      line: `cause found: ${top.id} (${Math.round(top.confidence * 100)} %) — ${top.title}`,
    };
  const ran = report.probes.filter((p) => p.status !== "skipped");
  if (report.verdict === "no-fault-found")
    return { code: GATE_EXIT.clean, line: `no fault found: ${ran.length} probes ran and every cause was examined` };
  const failed = ran.filter((p) => p.status === "failed");
  if (!ran.length || failed.length) {
    const reasons = new Map<string, string[]>();
    for (const p of failed) {
      const reason = p.error ?? p.findings[0]?.summary ?? `${p.target} failed`;
      reasons.set(reason, [...(reasons.get(reason) ?? []), p.id]);
    }
    const why = failed.length
      ? [...reasons].map(([reason, ids]) => `${reason} (${ids.join(", ")})`).join("; ")
      : "no probe had its targets";
    return { code: GATE_EXIT.unprobed, line: `could not probe: ${why}` };
  }
  return { code: GATE_EXIT.inconclusive, line: report.summary.replace(/^Inconclusive: /, "inconclusive: ") };
}

const MASKED_NOTE = "(passwords in the command are shown as ***: put them back to run it)\n";

/** Wrapped to the terminal (or COLUMNS, or 100 columns in a file), coloured on a terminal unless NO_COLOR is set. */
function terminalStyle(): { width: number; color: boolean } {
  const tty = process.stdout.isTTY === true;
  const columns = Number(process.env.COLUMNS);
  const width = tty && process.stdout.columns ? process.stdout.columns : columns > 0 ? columns : 100;
  return { width: Math.max(40, width), color: tty && !process.env.NO_COLOR };
}

/** The targets the flags give, over a named target's settings; and the facts the named target knows. */
export function targetsOf(opts: DiagnoseOptions): { targets: Targets; facts: Record<string, string> } {
  const named = opts.target ? namedTarget(opts.target) : undefined;
  const given: Targets = {
    url: opts.url,
    nodes: opts.node ?? [],
    redis: opts.redis,
    sessionPrefix: opts.sessionPrefix,
    sessionCookie: opts.sessionCookie,
    backendHeader: opts.backendHeader,
    allowlist: opts.allow,
    login: opts.login,
    sessionPath: opts.sessionPath,
    checkPath: opts.checkPath,
    healthPath: opts.healthPath,
    signedInText: opts.signedInText,
  };
  if (!named) return { targets: given, facts: {} };
  // Flags given on the command line override the named target's settings, one by one.
  const targets: Targets = {
    ...named.targets,
    ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)),
    nodes: given.nodes.length ? given.nodes : named.targets.nodes,
  };
  return { targets, facts: named.facts };
}

/** A target of the configuration (`SESSIONDOC_CONFIG` or ./sessiondoc.yaml), read exactly as the Slack app reads it. */
function namedTarget(name: string): { targets: Targets; facts: Record<string, string> } {
  const { config, file } = loadConfig(process.env);
  const target = targetNamed(config, name);
  if (!target) {
    const known = Object.keys(config.targets);
    throw new UsageError(
      `--target: no target "${name}" in ${file ?? "./sessiondoc.yaml (not found; SESSIONDOC_CONFIG names another file)"}${known.length ? ` (targets: ${known.join(", ")})` : ""}`,
    );
  }
  const { description: _description, facts, allowed: _allowed, ...targets } = target;
  return { targets, facts };
}

/** `--answer ID=VALUE` → question id → value (null for "unknown"), each checked against its question. */
function parseAnswers(
  raw: string[],
  question: (id: string) => ReturnType<typeof questionNode>,
): Map<string, string | null> {
  const answers = new Map<string, string | null>();
  for (const item of raw) {
    const eq = item.indexOf("=");
    if (eq <= 0)
      throw new UsageError(`--answer needs ID=VALUE (e.g. --answer architecture=external-store), got "${item}"`);
    const id = item.slice(0, eq);
    const value = item.slice(eq + 1);
    const node = question(id);
    if (!node) throw new UsageError(`--answer: no question "${id}" in this flow (see \`sessiondoc flows show\`)`);
    const problem = answerProblem(node, value === "unknown" ? null : value);
    if (problem) throw new UsageError(`--answer ${id}: ${problem}`);
    answers.set(id, value === "unknown" ? null : value);
  }
  return answers;
}

async function readEvidence(file: string): Promise<EvidenceEvent> {
  let text: string;
  try {
    text = await readBounded(file, { maxBytes: MAX_LOG_BYTES, timeoutMs: EVIDENCE_READ_TIMEOUT_MS });
  } catch (err) {
    if (err instanceof EvidenceFileError) throw new UsageError(`--evidence ${file}: ${err.message}`);
    throw new UsageError(`--evidence ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const ref = basename(file);
  return { type: "EVIDENCE", ref, items: evidenceFromLog(text, ref), by: "cli" };
}

function describeTargets(t: Targets): string | undefined {
  const parts = [t.url, ...t.nodes, t.redis].filter((x): x is string => Boolean(x)).map(redactUrl);
  return parts.length ? parts.join(" ") : undefined;
}

/** A probe still running after this long is named, so a slow one is not mistaken for a hang. */
const SHOW_RUNNING_AFTER_MS = 300;
const running = new Map<string, NodeJS.Timeout>();

/** Probes that run, as they end (and as they start, when slow); one without its target is listed in the report. */
function showProgress(p: Progress): void {
  if (p.kind === "probe-started") {
    const timer = setTimeout(() => process.stderr.write(`… ${p.probe}\n`), SHOW_RUNNING_AFTER_MS);
    running.set(p.node, timer.unref());
    return;
  }
  clearTimeout(running.get(p.run.node));
  running.delete(p.run.node);
  if (p.run.status !== "skipped")
    process.stderr.write(
      `${p.run.status === "ok" ? "✓" : "•"} ${p.run.probe}: ${p.run.status} in ${p.run.durationMs} ms, ${p.run.findings.length} findings\n`,
    );
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return "terminal";
  }
}
