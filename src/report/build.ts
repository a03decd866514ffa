import type { Stack } from "../catalogue/schema.js";
import { assess, mayHoldSessions, type Assessment } from "../engine/assess.js";
import type { Definitions } from "../engine/definitions.js";
import type { Flow } from "../flows/schema.js";
import { factValues, type DiagnosisRecord } from "../model/diagnosis.js";
import { hasTarget, type Targets } from "../model/targets.js";
import type { Report } from "./schema.js";
import { securityAlerts, securityHeadline } from "./security.js";

/** Application stacks (answers to the flow's `stack` question) and the catalogue's snippet stacks they use. */
const APP_STACKS: Record<string, Stack[]> = {
  express: ["express"],
  "java-tomcat": ["tomcat"],
  "java-spring-session": ["spring-session", "tomcat"],
  "aspnet-core": ["aspnet-core"],
  php: ["php"],
  python: ["django", "flask"],
  ruby: ["rails"],
};
const INFRA_STACKS: Stack[] = ["redis", "nginx", "haproxy", "apache"];

type Titled = { id: string; title: string; confidence: number };

/** What would settle an inconclusive diagnosis, in words a door can show as they are. */
function describeInputs(a: Assessment): string {
  const i = a.next?.inputs;
  const parts = [
    ...(i?.targets.length ? [`probing ${i.targets.join(", ")}`] : []),
    ...(i?.questions.length ? [`answering ${i.questions.join(", ")}`] : []),
  ];
  return parts.length ? `${parts.join(" or ")} would tell them apart` : "more evidence would tell them apart";
}

const pct = (x: number) => `${Math.round(x * 100)} %`;

function summaryOf(a: Assessment, causes: Titled[], title: (id: string) => string): string {
  const top = causes[0]!;
  switch (a.verdict) {
    case "cause-found": {
      const also = a.also.length ? ` Also found: ${a.also.map(title).join(", ")}.` : "";
      return `Most likely cause: ${top.title} (confidence ${pct(top.confidence)}).${also}`;
    }
    case "no-fault-found":
      return "No fault found: every cause that could produce what users see was examined and came back clean.";
    case "inconclusive":
      if (a.close.length)
        return `Inconclusive: the evidence fits ${a.close.map((id) => `${title(id)} (${pct(causes.find((c) => c.id === id)!.confidence)})`).join(" and ")} alike; ${describeInputs(a)}.`;
      return `Inconclusive: ${a.next?.reason ?? "not enough evidence to name a cause"}.`;
  }
}

/** The report of a diagnosis: its verdict, every cause ranked with its evidence and coverage, and what to do next. */
export function buildReport(
  record: DiagnosisRecord,
  flow: Flow,
  defs: Pick<Definitions, "catalogue" | "weights" | "probes">,
  targets?: Targets,
): Report {
  const ctx = record.snapshot.context;
  const causeIds = defs.catalogue.causes.map((c) => c.id);
  const a = assess(ctx, { weights: defs.weights, causeIds, probes: defs.probes, flow }, targets);
  const causes = new Map(defs.catalogue.causes.map((c) => [c.id, c]));
  const stack = ctx.facts.stack?.value;
  const stacks =
    typeof stack === "string" && stack in APP_STACKS ? new Set([...APP_STACKS[stack]!, ...INFRA_STACKS]) : undefined;
  const coverage = new Map(a.coverage.map((c) => [c.cause, c]));
  /** The targets that a probe which sets this question's fact lacked when it was skipped. */
  const known = factValues(ctx);
  const probeTargetsFor = (question: string): string[] => {
    const node = flow.nodes[question];
    const fact = node?.kind === "question" ? (node.fact ?? question) : question;
    const skipped = new Set(ctx.probes.filter((p) => p.status === "skipped").map((p) => p.probe));
    return [
      ...new Set(
        [...defs.probes.values()]
          .filter((p) => fact in p.facts && skipped.has(p.name) && mayHoldSessions(p, known))
          .flatMap((p) => p.needs.filter((need) => !targets || !hasTarget(targets, need))),
      ),
    ];
  };

  const reportCauses = a.ranked.map((r) => {
    const cause = causes.get(r.id)!;
    const c = coverage.get(r.id)!;
    return {
      id: r.id,
      title: cause.title,
      confidence: r.confidence,
      summary: cause.summary,
      evidence: r.evidence.map((w) => ({
        source: w.item.source,
        ref: w.item.ref,
        observation: w.item.observation,
        summary: w.item.summary,
        weight: w.weight,
        confirms: w.confirms,
        counted: w.counted,
      })),
      coverage: { status: c.status, examined: c.examined, why: c.why, inputs: c.inputs },
      fixes: cause.fixes,
      snippets: stacks ? cause.snippets.filter((s) => stacks.has(s.stack)) : cause.snippets,
    };
  });

  const questions = ctx.transcript.flatMap((t) => {
    if (t.kind !== "question") return [];
    const node = flow.nodes[t.question];
    const text = node?.kind === "question" ? node.text : t.question;
    const orGive = node?.kind === "question" && t.source === "default" && !t.skipped ? probeTargetsFor(t.question) : [];
    return [
      {
        id: t.question,
        text,
        answer: t.answer,
        source: t.source,
        ...(t.skipped ? { skipped: t.skipped } : {}),
        ...(t.separates ? { separates: t.separates } : {}),
        ...(orGive.length ? { orGive } : {}),
      },
    ];
  });

  const summary = summaryOf(a, reportCauses, (id) => causes.get(id)?.title ?? id);
  const alerts = securityAlerts({ causes: reportCauses });
  return {
    verdict: a.verdict,
    summary: alerts.length ? `${alerts.map(securityHeadline).join(". ")}. ${summary}` : summary,
    diagnosis: {
      id: record.id,
      flow: record.flow.id,
      flowVersion: record.flow.version,
      ...(record.target ? { target: record.target } : {}),
      complete: record.snapshot.status === "done",
    },
    causes: reportCauses,
    close: a.close,
    also: a.also,
    unexplained: a.unexplained.map((e) => ({ source: e.source, ref: e.ref, summary: e.summary })),
    ...(a.next ? { next: a.next } : {}),
    questions,
    probes: ctx.probes.map(({ probe, ...run }) => ({ id: probe, ...run })),
    notes: ctx.transcript.flatMap((t) => (t.kind === "note" ? [t.text] : [])),
  };
}
