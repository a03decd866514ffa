import type { Catalogue, Stack } from "../catalogue/schema.js";
import { rankCauses, verdictOf, type Verdict } from "../engine/rank.js";
import type { DiagnosisRecord } from "../engine/record.js";
import type { Flow } from "../flows/schema.js";
import type { Report } from "./schema.js";

/** Application stacks (answers to the flow's `stack` question) and the catalogue's snippet stacks they use. */
const APP_STACKS: Record<string, Stack[]> = {
  express: ["express"],
  "java-tomcat": ["tomcat"],
  "java-spring-session": ["spring-session", "tomcat"],
  "aspnet-core": ["aspnet-core"],
};
const INFRA_STACKS: Stack[] = ["redis", "nginx", "haproxy"];

const SUMMARY: Record<Verdict, (top: { title: string; confidence: number }) => string> = {
  "cause-found": (top) => `Most likely cause: ${top.title} (confidence ${Math.round(top.confidence * 100)} %).`,
  "no-fault-found": () => "No fault found: the checks that ran found the session setup healthy.",
  inconclusive: () =>
    "Inconclusive: not enough evidence to name a cause. Answer more questions, give probe targets (--url, --node, --redis) or add logs (--evidence).",
};

export function buildReport(record: DiagnosisRecord, flow: Flow, catalogue: Catalogue): Report {
  const ctx = record.snapshot.context;
  const ranked = rankCauses(
    ctx.evidence,
    catalogue.causes.map((c) => c.id),
  );
  const verdict = verdictOf(ranked);
  const causes = new Map(catalogue.causes.map((c) => [c.id, c]));
  const stack = ctx.facts.stack?.value;
  const stacks =
    typeof stack === "string" && stack in APP_STACKS ? new Set([...APP_STACKS[stack]!, ...INFRA_STACKS]) : undefined;

  const reportCauses = ranked.map((r) => {
    const cause = causes.get(r.id)!;
    return {
      id: r.id,
      title: cause.title,
      confidence: r.confidence,
      summary: cause.summary,
      evidence: r.evidence.map(({ item, weight }) => ({
        source: item.source,
        ref: item.ref,
        summary: item.summary,
        weight,
      })),
      fixes: cause.fixes,
      snippets: stacks ? cause.snippets.filter((s) => stacks.has(s.stack)) : cause.snippets,
    };
  });

  const questions = ctx.transcript.flatMap((t) => {
    if (t.kind !== "question") return [];
    const node = flow.nodes[t.question];
    const text = node?.kind === "question" ? node.text : t.question;
    return [{ id: t.question, text, answer: t.answer, source: t.source, ...(t.skipped ? { skipped: t.skipped } : {}) }];
  });

  return {
    verdict,
    summary: SUMMARY[verdict](reportCauses[0]!),
    diagnosis: {
      id: record.id,
      flow: record.flow.id,
      flowVersion: record.flow.version,
      ...(record.target ? { target: record.target } : {}),
      complete: record.snapshot.status === "done",
    },
    causes: reportCauses,
    questions,
    probes: ctx.probes.map(({ probe, ...run }) => ({ id: probe, ...run })),
    notes: ctx.transcript.flatMap((t) => (t.kind === "note" ? [t.text] : [])),
  };
}
