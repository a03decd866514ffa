import { z } from "zod";
import { DataFileError, readYaml, validateYaml, type DataProblem, type YamlSource } from "../data/load-yaml.js";
import { Condition, conditionsOf, holdsAll, When, type Facts } from "../model/facts.js";
import { observationOf, type Evidence } from "../model/diagnosis.js";
import { seenOnce } from "../model/findings.js";
import { projectPath } from "../paths.js";

export const EVIDENCE_FILE = projectPath("catalogue", "evidence.yaml");

const id = z.string().regex(/^[a-z][a-z0-9-]*$/, "ids are lower-case words joined by hyphens");

export const TableEffect = z.strictObject({
  cause: id,
  weight: z
    .number()
    .min(-1)
    .max(1)
    .refine((w) => w !== 0, "a weight of 0 says nothing: remove the effect"),
  /** This observation alone establishes the cause (a direct measurement, not a hint that could be noise). */
  confirms: z.boolean().optional(),
  /** A condition, or several that must all hold. */
  when: When.optional(),
});
export type TableEffect = z.infer<typeof TableEffect>;

export const Rule = z
  .strictObject({
    on: z
      .string()
      .regex(
        /^(answer\/[a-z0-9-]+=[a-z0-9-]+|log\/[a-z0-9-]+|[a-z][a-z0-9]*\.[a-z0-9.-]+\/[a-z0-9-]+)$/,
        "an observation is <probe>/<finding>, log/<signature> or answer/<question>=<value>",
      ),
    /** Observations of one underlying fact share a group; a group counts once for each cause. */
    group: id.optional(),
    effects: z.array(TableEffect).min(1),
  })
  .refine((r) => r.effects.every((e) => !e.confirms || e.weight > 0), {
    message: "only evidence for a cause (a positive weight) can confirm it",
  });
export type Rule = z.infer<typeof Rule>;

export const EvidenceTable = z.strictObject({
  /** What each group's underlying fact is. */
  groups: z.record(id, z.string()).default({}),
  /** A cause does not apply (needs no examination) when any of its conditions holds. */
  notApplicable: z.record(id, z.array(Condition)).default({}),
  rules: z.array(Rule),
});
export type EvidenceTable = z.infer<typeof EvidenceTable>;

/** The table, indexed by observation. */
export type Weights = {
  table: EvidenceTable;
  rule(observation: string): Rule | undefined;
};

/** Whether the table weighs a probe's finding for some cause: the finding points to a fault. */
export function pointsToCause(weights: Weights, probe: string, findingId: string): boolean {
  return weights.rule(observationOf.probe(probe, findingId))?.effects.some((e) => e.weight > 0) ?? false;
}

export function indexTable(table: EvidenceTable): Weights {
  const byObservation = new Map(table.rules.map((r) => [r.on, r]));
  return { table, rule: (o) => byObservation.get(o) };
}

/** What the table is checked against when it loads. */
export type TableContext = {
  causes: ReadonlySet<string>;
  /** probe name → its finding ids */
  findings: ReadonlyMap<string, ReadonlySet<string>>;
  signatures: ReadonlySet<string>;
  /** question id → its choice values */
  questions: ReadonlyMap<string, ReadonlySet<string>>;
  /** Facts some question or probe can set. */
  facts: ReadonlySet<string>;
};

export function loadEvidenceTable(ctx: TableContext, file = EVIDENCE_FILE): Weights {
  const source = readYaml(file);
  const table = validateYaml(source, EvidenceTable);
  const problems = checkTable(table, source, ctx);
  if (problems.length) throw new DataFileError(problems);
  return indexTable(table);
}

/** Names that must exist: causes, groups, probes and their findings, signatures, questions and choices, facts. */
export function checkTable(
  table: EvidenceTable,
  source: Pick<YamlSource, "file" | "lineOf">,
  ctx: TableContext,
): DataProblem[] {
  const problems: DataProblem[] = [];
  const problem = (path: Array<string | number>, message: string) =>
    problems.push({ file: source.file, path, line: source.lineOf(path), message });
  const checkCondition = (c: Condition, path: Array<string | number>) => {
    if (!c.fact.startsWith("data.") && !ctx.facts.has(c.fact))
      problem([...path, "fact"], `fact "${c.fact}" is never set by a question or probe (or write data.<field>)`);
  };
  for (const [cause, conditions] of Object.entries(table.notApplicable)) {
    if (!ctx.causes.has(cause)) problem(["notApplicable", cause], `unknown cause "${cause}"`);
    conditions.forEach((c, i) => checkCondition(c, ["notApplicable", cause, i]));
  }
  const seen = new Set<string>();
  table.rules.forEach((rule, i) => {
    const at = ["rules", i];
    if (seen.has(rule.on)) problem([...at, "on"], `"${rule.on}" has another rule above: keep one rule per observation`);
    seen.add(rule.on);
    const problemWithObservation = observationProblem(rule.on, ctx);
    if (problemWithObservation) problem([...at, "on"], problemWithObservation);
    if (rule.group && !(rule.group in table.groups))
      problem([...at, "group"], `group "${rule.group}" is not described under groups:`);
    rule.effects.forEach((e, j) => {
      if (!ctx.causes.has(e.cause)) problem([...at, "effects", j, "cause"], `unknown cause "${e.cause}"`);
      conditionsOf(e.when).forEach((c, k) =>
        checkCondition(c, [...at, "effects", j, "when", ...(Array.isArray(e.when) ? [k] : [])]),
      );
    });
  });
  return problems;
}

function observationProblem(on: string, ctx: TableContext): string | undefined {
  const answer = /^answer\/([a-z0-9-]+)=([a-z0-9-]+)$/.exec(on);
  if (answer) {
    const choices = ctx.questions.get(answer[1]!);
    if (!choices) return `no question "${answer[1]}" in any flow`;
    return choices.has(answer[2]!) ? undefined : `question "${answer[1]}" has no choice "${answer[2]}"`;
  }
  const log = /^log\/([a-z0-9-]+)$/.exec(on);
  if (log) return ctx.signatures.has(log[1]!) ? undefined : `no log signature "${log[1]}"`;
  const [probe, finding] = on.split("/") as [string, string];
  const findings = ctx.findings.get(probe);
  if (!findings) return `no probe "${probe}"`;
  return findings.has(finding) ? undefined : `probe ${probe} reports no finding "${finding}"`;
}

/** One observation's bearing on one cause, under the facts known now. */
export type Weighed = {
  item: Evidence;
  cause: string;
  weight: number;
  confirms: boolean;
  /** The underlying fact it shows; the strongest item of a group counts, the others are shown but not counted. */
  group: string;
};

/**
 * Looks every observation up in the table under the current facts (and the observation's own data, as `data.*`).
 * Weights are resolved here, at ranking time, so an answer given later changes what earlier observations mean.
 */
export function weigh(evidence: readonly Evidence[], facts: Facts, weights: Weights): Weighed[] {
  return evidence.flatMap((item) => {
    const rule = weights.rule(item.observation);
    if (!rule || seenOnce(item.rounds)) return [];
    const scope: Record<string, Facts[string]> = { ...facts };
    for (const [k, v] of Object.entries(item.data ?? {})) scope[`data.${k}`] = v;
    return rule.effects
      .filter((e) => holdsAll(e.when, scope))
      .map((e) => ({
        item,
        cause: e.cause,
        weight: e.weight,
        confirms: e.confirms === true && item.source !== "answer",
        group: rule.group ?? item.observation,
      }));
  });
}
