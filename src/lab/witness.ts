import { z } from "zod";
import { readYaml, validateYaml } from "../data/load-yaml.js";
import type { Definitions } from "../engine/definitions.js";
import { createEngine } from "../engine/engine.js";
import type { Verdict } from "../engine/rank.js";
import { answerProblem, questionNode } from "../engine/route.js";
import { createLogger } from "../log.js";
import { projectPath } from "../paths.js";
import { buildReport } from "../report/build.js";
import type { Report } from "../report/schema.js";
import { MemoryStore } from "../store/memory.js";

export const WITNESS_FILE = projectPath("lab", "witnesses.yaml");
/** The seeds that pick which answers each forgetful witness does not know: fixed, so every run compares. */
export const WITNESS_SEEDS: readonly number[] = [1, 2, 3, 4, 5];
const UNKNOWN = "unknown";

const Witness = z.strictObject({
  /** The system this person runs and how the fault shows on it. */
  system: z.string().trim().min(1),
  /** Question id → the answer this person gives; `unknown` (or no entry) is "I don't know". */
  answers: z.record(z.string(), z.string()),
});
export type Witness = z.infer<typeof Witness>;
export const WitnessFile = z.strictObject({ witnesses: z.record(z.string(), Witness) });
export type Witnesses = z.infer<typeof WitnessFile>["witnesses"];

export function loadWitnesses(file = WITNESS_FILE): Witnesses {
  return validateYaml(readYaml(file), WitnessFile).witnesses;
}

export type WitnessProblem = { cause: string; problem: string };

/** Answers the flow would not accept: a question it does not have, or a value its question does not take. */
export function answerProblems(answers: Readonly<Record<string, string>>, defs: Definitions, flowId: string): string[] {
  const flow = defs.flows.get(flowId)!.flow;
  return Object.entries(answers).flatMap(([id, value]) => {
    const node = questionNode(flow, id);
    const problem = node
      ? answerProblem(node, value === UNKNOWN ? null : value)
      : `no such question in flow "${flowId}"`;
    return problem ? [`${id}: ${problem}`] : [];
  });
}

/** Witnesses of causes the catalogue does not have, and answers the flow would not accept. */
export function witnessProblems(witnesses: Witnesses, defs: Definitions, flowId: string): WitnessProblem[] {
  const causes = new Set(defs.catalogue.causes.map((c) => c.id));
  const problems: WitnessProblem[] = [];
  for (const [cause, w] of Object.entries(witnesses)) {
    if (!causes.has(cause)) problems.push({ cause, problem: "not a cause of the catalogue" });
    for (const problem of answerProblems(w.answers, defs, flowId)) problems.push({ cause, problem });
  }
  return problems;
}

/** A small seeded generator (mulberry32): the same seed hides the same answers on every machine. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The same witness with a third of what they know (rounded) turned into "I don't know", picked by `seed`. */
export function forgetful(
  answers: Witness["answers"],
  seed: number,
): { answers: Witness["answers"]; forgot: string[] } {
  const known = Object.keys(answers).filter((id) => answers[id] !== UNKNOWN);
  const random = seeded(seed);
  for (let i = known.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [known[i], known[j]] = [known[j]!, known[i]!];
  }
  const forgot = known.slice(0, Math.round(known.length / 3));
  return { answers: { ...answers, ...Object.fromEntries(forgot.map((id) => [id, UNKNOWN])) }, forgot };
}

export type Interview = {
  cause: string;
  /** The seed that picked the forgotten answers; absent for the witness who answers everything they know. */
  seed?: number;
  forgot: string[];
  verdict: Verdict;
  top: { id: string; confidence: number };
  /** Every cause the report names as found: the top one and any further faults. */
  named: string[];
  /** Named causes that are not the witness' cause. */
  wrong: string[];
  /** The questions put to the witness, in order, and those they could not answer. */
  asked: string[];
  unanswered: string[];
  /** For an inconclusive verdict: why, and the targets or questions the report says would settle it. */
  next?: Report["next"];
};

const quiet = createLogger({ level: "silent", pretty: false });

/** One diagnosis with no targets (no probes) in which the witness answers every question the engine asks. */
export async function interview(
  defs: Definitions,
  flowId: string,
  cause: string,
  answers: Witness["answers"],
): Promise<Omit<Interview, "seed" | "forgot">> {
  const engine = createEngine({ ...defs, store: new MemoryStore(), log: quiet });
  const targets = { nodes: [] };
  const step = await engine.start({ flowId }, { targets }, (q) => {
    const value = answers[q.id];
    return {
      type: "ANSWER",
      question: q.id,
      value: value === undefined || value === UNKNOWN ? null : value,
      source: "user",
      by: "witness",
    };
  });
  const report = buildReport(step.record, defs.flows.get(flowId)!.flow, defs, targets);
  const put = report.questions.filter((q) => q.source === "user");
  const top = report.causes[0]!;
  const named = report.verdict === "cause-found" ? [top.id, ...report.also] : [];
  return {
    cause,
    verdict: report.verdict,
    top: { id: top.id, confidence: top.confidence },
    named,
    wrong: named.filter((c) => c !== cause),
    asked: put.map((q) => q.id),
    unanswered: put.filter((q) => q.answer === null).map((q) => q.id),
    ...(report.next ? { next: report.next } : {}),
  };
}

export type WitnessBenchmark = {
  /** Causes of the catalogue with no witness. */
  missing: string[];
  /** Witnesses that are not run: their answers do not fit the flow. */
  problems: WitnessProblem[];
  ideal: Interview[];
  forgetful: Interview[];
};

/** Every witness of a catalogue cause, answering all they know and then, once per seed, forgetting a third. */
export async function runWitnesses(
  defs: Definitions,
  opts: { flowId?: string; seeds: readonly number[]; witnesses?: Witnesses },
): Promise<WitnessBenchmark> {
  const flowId = opts.flowId ?? "session-replication";
  const witnesses = opts.witnesses ?? loadWitnesses();
  const causes = defs.catalogue.causes.map((c) => c.id);
  const problems = witnessProblems(witnesses, defs, flowId);
  // An answer the flow does not take would be refused, and its question put again for ever.
  const profiled = causes.filter((c) => witnesses[c] && !problems.some((p) => p.cause === c));
  const ideal: Interview[] = [];
  const partial: Interview[] = [];
  for (const cause of profiled) {
    const answers = witnesses[cause]!.answers;
    ideal.push({ ...(await interview(defs, flowId, cause, answers)), forgot: [] });
    for (const seed of opts.seeds) {
      const f = forgetful(answers, seed);
      partial.push({ ...(await interview(defs, flowId, cause, f.answers)), seed, forgot: f.forgot });
    }
  }
  return {
    missing: causes.filter((c) => !witnesses[c]),
    problems,
    ideal,
    forgetful: partial,
  };
}

/** Whether an inconclusive report names something to do next: a target to give or a question to answer. */
export const namesNextInput = (i: Pick<Interview, "next">): boolean =>
  Boolean(i.next && i.next.inputs.targets.length + i.next.inputs.questions.length > 0);

/** Whether it names exactly one thing to do: one question, or the targets of one probe. */
export function namesOneInput(i: Pick<Interview, "next">, probes: Definitions["probes"]): boolean {
  const inputs = i.next?.inputs;
  if (!inputs) return false;
  if (inputs.targets.length === 0) return inputs.questions.length === 1;
  const wanted = new Set(inputs.targets);
  return (
    inputs.questions.length === 0 &&
    [...probes.values()].some((p) => p.needs.length === wanted.size && p.needs.every((n) => wanted.has(n)))
  );
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
