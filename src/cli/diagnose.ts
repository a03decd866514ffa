import { basename } from "node:path";
import { userInfo } from "node:os";
import type { EvidenceEvent } from "../engine/context.js";
import type { Definitions } from "../engine/definitions.js";
import { createEngine, type AnswerSource } from "../engine/engine.js";
import type { Progress } from "../engine/probe-runner.js";
import { answerProblem, questionNode } from "../engine/route.js";
import { evidenceFromLog, MAX_LOG_BYTES } from "../evidence/logs.js";
import type { Logger } from "../log.js";
import type { Targets } from "../model/targets.js";
import { redactUrl } from "../redact.js";
import { buildReport } from "../report/build.js";
import { renderText } from "../report/text.js";
import { MemoryStore } from "../store/memory.js";
import { EvidenceFileError, readBounded } from "./evidence-file.js";
import { promptAnswer } from "./prompt.js";
import { UsageError } from "./usage.js";

/** Probes of a diagnosis without a terminal, all together, unless --timeout says otherwise. */
export const DEFAULT_TIMEOUT_SECONDS = 300;
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
  nonInteractive?: boolean;
  json?: boolean;
};

export async function diagnose(opts: DiagnoseOptions, defs: Definitions, log: Logger): Promise<void> {
  const loaded = defs.flows.get(opts.flow);
  if (!loaded) throw new UsageError(`--flow: no flow "${opts.flow}" (flows: ${[...defs.flows.keys()].join(", ")})`);
  const presets = parseAnswers(opts.answer ?? [], (id) => questionNode(loaded.flow, id));
  const evidence = await Promise.all((opts.evidence ?? []).map(readEvidence));
  const targets: Targets = {
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
  const interactive = !opts.nonInteractive && process.stdin.isTTY === true;
  const by = safeUser();
  // Known answers become facts up front (they outrank probes); "unknown" ones are given when their question comes.
  const upFront = Object.fromEntries([...presets].filter((entry): entry is [string, string] => entry[1] !== null));
  const answers: AnswerSource = (q) =>
    presets.has(q.id)
      ? { type: "ANSWER", question: q.id, value: presets.get(q.id) ?? null, source: "user", by: "cli" }
      : interactive
        ? promptAnswer(q, by)
        : { type: "ANSWER", question: q.id, value: null, source: "default" };

  const engine = createEngine({
    ...defs,
    store: new MemoryStore(),
    log,
    probeTimeoutMs: opts.probeTimeout ? opts.probeTimeout * 1000 : undefined,
  });
  const step = await engine.start(
    { flowId: opts.flow, answers: upFront, evidence, target: describeTargets(targets) },
    {
      targets,
      onProgress: process.stderr.isTTY ? showProgress : undefined,
      probeParams: {
        ...(opts.healthWindow ? { "http.health": { windowSeconds: opts.healthWindow } } : {}),
        ...(opts.realtimePath ? { "http.realtime": { path: opts.realtimePath } } : {}),
      },
      // A person answering at a prompt takes their time: only an explicit --timeout bounds probes that come later.
      deadline:
        opts.timeout || !interactive ? Date.now() + (opts.timeout ?? DEFAULT_TIMEOUT_SECONDS) * 1000 : undefined,
    },
    answers,
  );
  const report = buildReport(step.record, loaded.flow, defs, targets);
  process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderText(report)}\n`);
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

function showProgress(p: Progress): void {
  if (p.kind === "probe-started") process.stderr.write(`… ${p.probe}\n`);
  else
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
