import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { INTERVIEW_LIMIT } from "../src/engine/choose.js";
import { DiagnosisError } from "../src/engine/engine.js";
import { evidenceFromLog } from "../src/evidence/logs.js";
import { flowFiles } from "../src/flows/load.js";
import { probeRegistry } from "../src/probes/index.js";
import { MemoryStore } from "../src/store/memory.js";
import { fixtureWeights, flowFromText } from "./helpers/definitions.js";
import { answersFrom, comparable, engineWith, reportOf, shipped } from "./helpers/engine.js";
import { hangs, reportsArchitecture, throws } from "./helpers/probes.js";

const main = shipped.flows.get("session-replication")!;
const withProbesFile = flowFiles(new URL("./fixtures/flows", import.meta.url).pathname).find((f) =>
  f.endsWith("with-probes.yaml"),
)!;
const withProbes = flowFromText(readFileSync(withProbesFile, "utf8"), undefined, "with-probes.yaml");
const fixtureTable = fixtureWeights(new URL("./fixtures/evidence/with-probes.yaml", import.meta.url).pathname, [
  withProbes,
]);
const targets = { nodes: [], url: "http://app.test/" };

describe("walking a flow", () => {
  it("with nothing known, ends inconclusive with every question left to default", async () => {
    const engine = engineWith();
    const step = await engine.start({ flowId: main.flow.id }, { targets: { nodes: [] } }, answersFrom({}));
    const report = reportOf(step, main);
    expect(step.pending).toBeNull();
    expect(report.verdict).toBe("inconclusive");
    expect(report.causes.every((c) => c.confidence === 0)).toBe(true);
    expect(report.questions.length).toBeGreaterThan(5);
    expect(report.questions.every((q) => q.source === "default" && q.answer === null)).toBe(true);
  });

  it("stops an interview still open after its limit of questions, and names the one input that would settle it", async () => {
    const engine = engineWith();
    // A person who clicks "I don't know" every time: each question is still put to them, up to the limit.
    const step = await engine.start({ flowId: main.flow.id }, { targets: { nodes: [] } }, (q) => ({
      type: "ANSWER",
      question: q.id,
      value: null,
      source: "user",
    }));
    const report = reportOf(step, main);
    expect(report.verdict).toBe("inconclusive");
    expect(report.questions.filter((q) => q.source === "user")).toHaveLength(INTERVIEW_LIMIT);
    expect(report.questions.some((q) => q.skipped === "interview-limit")).toBe(true);
    // One input: a question, or the targets of one probe.
    const { questions, targets } = report.next!.inputs;
    expect(questions.length === 1 ? targets : questions).toEqual([]);
    expect(questions.length + targets.length).toBeGreaterThan(0);
  });

  it("asks the most useful question first, names a cause from answers, and stops once it is settled", async () => {
    const engine = engineWith();
    const answers = { symptom: "random-logout", architecture: "node-memory", "lb-sticky": "no" };
    const step = await engine.start(
      { flowId: main.flow.id, facts: { stack: "express" } },
      { targets: { nodes: [] } },
      answersFrom(answers),
    );
    const report = reportOf(step, main);
    expect(report.verdict).toBe("cause-found");
    expect(report.causes[0]!.id).toBe("lb-affinity");
    expect(report.causes[0]!.confidence).toBeGreaterThan(0.85);
    const asked = report.questions.filter((q) => !q.skipped);
    // What users see separates the most causes: it comes first, and says which.
    expect(asked[0]).toMatchObject({ id: "symptom", answer: "random-logout" });
    expect(asked[0]!.separates!.length).toBeGreaterThan(5);
    expect(asked.at(-1)!.id).toBe("lb-sticky");
    expect(asked.length).toBeLessThanOrEqual(6);
    expect(report.questions.filter((q) => q.skipped === "no-longer-separates").length).toBeGreaterThan(5);
    // Snippets follow the team's stack, known beforehand: Express and infrastructure, not ASP.NET or Spring.
    const stacks = new Set(report.causes[0]!.snippets.map((s) => s.stack));
    expect(stacks.has("express")).toBe(true);
    expect(stacks.has("spring-session")).toBe(false);
  });

  it("applies evidence only when its condition holds (no affinity is fine with a shared store)", async () => {
    const engine = engineWith();
    const step = await engine.start(
      { flowId: main.flow.id },
      { targets: { nodes: [] } },
      answersFrom({ architecture: "external-store", "lb-sticky": "no" }),
    );
    const affinity = reportOf(step, main).causes.find((c) => c.id === "lb-affinity")!;
    expect(affinity.confidence).toBe(0);
    expect(affinity.evidence.map((e) => e.weight)).toEqual([-0.4]);
  });

  it("answers that clear the whole catalogue are no all-clear: nothing was measured, and it says what to probe", async () => {
    const engine = engineWith();
    const healthy = {
      architecture: "external-store",
      "lb-sticky": "yes",
      "affinity-holds": "yes",
      "lb-health": "no",
      "cookie-sent": "yes",
      "id-regeneration": "no",
      "store-evictions": "no",
      "store-replica": "no",
      "serialization-errors": "no",
      "keys-shared": "yes",
      "clock-sync": "yes",
      "ttl-vs-timeout": "no",
      "session-size": "no",
      "drain-test": "yes",
      "session-cached": "no",
      "header-errors": "no",
      "duplicate-cookie": "no",
      "process-sessions": "no",
      "lb-method": "cookie",
      "realtime-sticky": "yes",
      "session-locking": "yes",
      "store-errors": "none",
    };
    // Given up front, as a script would: asked one at a time, the interview would stop at its limit first.
    const report = reportOf(
      await engine.start({ flowId: main.flow.id, answers: healthy }, { targets: { nodes: [] } }, answersFrom({})),
      main,
    );
    expect(report.verdict).toBe("inconclusive");
    expect(report.next!.reason).toMatch(/^ruled out by answers only, nothing measured: /);
    expect(report.next!.inputs.targets.length).toBeGreaterThan(0);
    expect(report.causes[0]!.confidence).toBeLessThanOrEqual(0.25);
  });

  it("an inconclusive report names one input: a question that rules suspects out, unless the person could not answer it", async () => {
    // Users move between backends, and a reload signs them back in: node memory or keys, which only where sessions
    // live tells apart.
    const answers: Record<string, string> = {
      symptom: "random-logout",
      stack: "aspnet-core",
      "lb-sticky": "no",
      "affinity-holds": "no",
      "drain-test": "no",
      "reload-flips": "yes",
    };
    const run = async (unanswered: "user" | "default") => {
      const step = await engineWith().start({ flowId: main.flow.id }, { targets: { nodes: [] } }, (q) => ({
        type: "ANSWER",
        question: q.id,
        value: answers[q.id] ?? null,
        source: q.id in answers ? "user" : unanswered,
      }));
      return reportOf(step, main);
    };
    const script = await run("default");
    expect(script.verdict).toBe("inconclusive");
    expect(script.next!.inputs).toEqual({ targets: [], questions: ["architecture"] });
    // Said "I don't know" to it: a probe's targets instead, never the same question again.
    const person = await run("user");
    expect(person.verdict).toBe("inconclusive");
    expect(person.next!.inputs.questions).toEqual([]);
    expect(person.next!.inputs.targets.length).toBeGreaterThan(0);
  });

  it("ranks a cause from a pasted stack trace and keeps its line, redacted", async () => {
    const engine = engineWith();
    const log =
      "2026-11-25 ERROR sid=Zx81kQ0pLmN2vB7cR4tY9wE3 failed\njava.io.NotSerializableException: com.example.Cart\n";
    const step = await engine.start(
      {
        flowId: main.flow.id,
        evidence: [{ type: "EVIDENCE", ref: "app.log", items: evidenceFromLog(log, "app.log") }],
      },
      { targets: { nodes: [] } },
      answersFrom({}),
    );
    const report = reportOf(step, main);
    expect(report.causes[0]!.id).toBe("serialization");
    expect(report.causes[0]!.evidence[0]!.summary).toContain("app.log line 2");
    expect(JSON.stringify(report)).not.toContain("Zx81kQ0pLmN2vB7cR4tY9wE3");
  });
});

describe("probes in a flow", () => {
  it("skip the question a probe already answered, and keep the probe's evidence", async () => {
    const engine = engineWith({ weights: fixtureTable, flows: [withProbes], probeTimeoutMs: 200 });
    const step = await engine.start({ flowId: "with-probes" }, { targets }, answersFrom({ timeout: "30m" }));
    const report = reportOf(step, withProbes, fixtureTable);
    const q = report.questions.find((x) => x.id === "architecture")!;
    expect(q).toMatchObject({ answer: "external-store", source: "probe", skipped: "answered-by-probe" });
    expect(report.questions.find((x) => x.id === "timeout")).toMatchObject({ answer: "30m", source: "user" });
    expect(report.probes[0]).toMatchObject({ id: "test.architecture", status: "ok" });
    expect(report.causes.find((c) => c.id === "lb-affinity")!.evidence[0]).toMatchObject({
      source: "probe",
      weight: -0.5,
    });
  });

  it("branch on a probe's facts", async () => {
    const flow = flowFromText(
      readFileSync(withProbesFile, "utf8").replace("architecture: external-store }", "architecture: node-memory }"),
    );
    const engine = engineWith({ weights: fixtureTable, flows: [flow], probeTimeoutMs: 200 });
    const step = await engine.start({ flowId: "with-probes" }, { targets }, answersFrom({ sticky: "no" }));
    const ids = reportOf(step, flow, fixtureTable).questions.map((q) => q.id);
    expect(ids).toEqual(["sticky"]);
  });

  it("are skipped with a reason when their target is not given, and the question is asked instead", async () => {
    const engine = engineWith({ weights: fixtureTable, flows: [withProbes], probeTimeoutMs: 200 });
    const step = await engine.start({ flowId: "with-probes" }, { targets: { nodes: [] } });
    expect(step.pending?.id).toBe("architecture");
    const run = step.record.snapshot.context.probes[0]!;
    expect(run).toMatchObject({ status: "skipped", findings: [{ summary: "not run: needs --url" }] });
  });

  it("that hang are cut off by the timeout and the diagnosis carries on", async () => {
    const engine = engineWith({ weights: fixtureTable, flows: [withProbes], probeTimeoutMs: 300 });
    const started = Date.now();
    const step = await engine.start({ flowId: "with-probes" }, { targets }, answersFrom({}));
    expect(Date.now() - started).toBeLessThan(5_000);
    const run = reportOf(step, withProbes, fixtureTable).probes.find((p) => p.id === "test.hangs")!;
    expect(run.status).toBe("failed");
    expect(run.error).toMatch(/gave up/);
    expect(step.record.snapshot.status).toBe("done");
  });

  it("that throw become a failed run whose message has no credentials", async () => {
    const flow = flowFromText(
      "id: t\ntitle: T\nstart: p\nnodes:\n  p: { kind: probe, probe: test.throws, next: end }\n  end: { kind: conclusion }\n",
    );
    const engine = engineWith({
      weights: fixtureTable,
      flows: [flow],
      probes: probeRegistry([throws, hangs, reportsArchitecture]),
    });
    const step = await engine.start({ flowId: "t" }, { targets: { nodes: [] } });
    const run = step.record.snapshot.context.probes[0]!;
    expect(run.status).toBe("failed");
    expect(run.error).toContain("ECONNREFUSED");
    expect(run.error).not.toContain("s3cretpass");
  });
});

describe("answers from a door", () => {
  it("are refused for a question that is no longer waiting, or with a value it does not take", async () => {
    const engine = engineWith();
    const first = await engine.start({ flowId: main.flow.id }, { targets: { nodes: [] } });
    expect(first.pending?.id).toBe("symptom");
    const second = await engine.continue(
      first.record.id,
      { targets: { nodes: [] } },
      { type: "ANSWER", question: "symptom", value: "csrf-errors", source: "user", by: "u1" },
    );
    const waiting = second.pending!.id;
    expect(waiting).not.toBe("symptom");

    const stale = engine.continue(
      first.record.id,
      { targets: { nodes: [] } },
      { type: "ANSWER", question: "symptom", value: "idle-logout", source: "user", by: "u2" },
    );
    await expect(stale).rejects.toMatchObject({ code: "stale-question" });
    const invalid = engine.continue(
      first.record.id,
      { targets: { nodes: [] } },
      { type: "ANSWER", question: waiting, value: "cobol", source: "user" },
    );
    await expect(invalid).rejects.toThrow(DiagnosisError);
    await expect(invalid).rejects.toMatchObject({ code: "invalid-answer" });
    // Neither refused answer changed the stored diagnosis.
    expect((await engine.get(first.record.id)).pending?.id).toBe(waiting);
  });

  it("can add pasted evidence mid-way, which ends the questions once a log confirms the cause", async () => {
    const engine = engineWith();
    const first = await engine.start({ flowId: main.flow.id }, { targets: { nodes: [] } });
    const items = evidenceFromLog("READONLY You can't write against a read only replica.", "paste");
    const next = await engine.continue(
      first.record.id,
      { targets: { nodes: [] } },
      { type: "EVIDENCE", ref: "paste", items, by: "u1" },
    );
    const report = reportOf(next, main);
    expect(report.verdict).toBe("cause-found");
    expect(report.causes[0]!.id).toBe("replication");
    // A person is not asked to overturn what a log shows: the question waiting, and every other, is passed over.
    expect(next.pending).toBeNull();
    expect(report.questions.every((q) => q.skipped)).toBe(true);
    expect(report.questions[0]).toMatchObject({ id: "symptom", skipped: "no-longer-separates" });
  });
});

describe("a finished diagnosis", () => {
  it("takes evidence pasted afterwards and ranks it with the rest", async () => {
    const engine = engineWith();
    const done = await engine.start({ flowId: main.flow.id }, { targets: { nodes: [] } }, answersFrom({}));
    expect(reportOf(done, main).verdict).toBe("inconclusive");
    const items = evidenceFromLog("OOM command not allowed when used memory > 'maxmemory'.", "paste");
    const again = await engine.continue(
      done.record.id,
      { targets: { nodes: [] } },
      { type: "EVIDENCE", ref: "paste", items, by: "u1" },
    );
    const report = reportOf(again, main);
    expect(report.verdict).toBe("cause-found");
    expect(report.causes[0]!.id).toBe("store-capacity");
    expect((await engine.get(done.record.id)).record.snapshot.context.transcript.at(-1)).toMatchObject({
      kind: "evidence",
      ref: "paste",
      by: "u1",
    });
  });
});

describe("a diagnosis saved mid-way", () => {
  const answers = {
    symptom: "idle-logout",
    stack: "java-spring-session",
    architecture: "external-store",
    "lb-sticky": "yes",
    "affinity-holds": "yes",
  };

  it("continues in a new engine exactly where it stopped", async () => {
    const uninterrupted = await engineWith().start(
      { flowId: main.flow.id },
      { targets: { nodes: [] } },
      answersFrom(answers),
    );

    // Stopped at the second question the uninterrupted diagnosis put.
    const asked = reportOf(uninterrupted, main).questions.filter((q) => !q.skipped);
    expect(asked.length).toBeGreaterThanOrEqual(2);
    const stopAt = asked[1]!.id;
    const store = new MemoryStore();
    const first = engineWith({ store });
    const partial = await first.start({ flowId: main.flow.id }, { targets: { nodes: [] } }, (q) =>
      q.id === stopAt ? undefined : answersFrom(answers)(q),
    );
    expect(partial.pending?.id).toBe(stopAt);

    const second = engineWith({ store });
    const resumed = await second.continue(
      partial.record.id,
      { targets: { nodes: [] } },
      undefined,
      answersFrom(answers),
    );
    expect(comparable(reportOf(resumed, main))).toEqual(comparable(reportOf(uninterrupted, main)));
  });

  it("from an older version of its flow is replayed on the new one, keeping answers and pasted logs", async () => {
    const v1 = flowFromText(readFileSync(withProbesFile, "utf8"));
    const store = new MemoryStore();
    const log = evidenceFromLog("ERR max number of clients reached", "redis.log");
    const v1Engine = engineWith({ weights: fixtureTable, flows: [v1], store });
    const answered = await v1Engine.start({ flowId: "with-probes" }, { targets: { nodes: [] } }, (q) =>
      q.id === "architecture"
        ? { type: "ANSWER", question: q.id, value: "node-memory", source: "user", by: "u1" }
        : undefined,
    );
    const partial = await v1Engine.continue(
      answered.record.id,
      { targets: { nodes: [] } },
      { type: "EVIDENCE", ref: "redis.log", items: log, by: "u1" },
    );
    expect(partial.pending?.id).toBe("sticky");

    const v2 = flowFromText(
      readFileSync(withProbesFile, "utf8").replace(
        "text: Sticky sessions on?",
        "text: Is stickiness enabled on the load balancer?",
      ),
    );
    expect(v2.version).not.toBe(v1.version);
    const resumed = await engineWith({ weights: fixtureTable, flows: [v2], store }).continue(
      partial.record.id,
      { targets: { nodes: [] } },
      { type: "ANSWER", question: "sticky", value: "no", source: "user", by: "u1" },
    );
    const report = reportOf(resumed, v2, fixtureTable);
    expect(report.diagnosis.flowVersion).toBe(v2.version);
    expect(report.questions.find((q) => q.id === "architecture")).toMatchObject({
      answer: "node-memory",
      source: "user",
    });
    expect(report.questions.find((q) => q.id === "sticky")).toMatchObject({
      text: "Is stickiness enabled on the load balancer?",
      answer: "no",
    });
    expect(
      report.causes
        .map((c) => c.id)
        .slice(0, 2)
        .sort(),
    ).toEqual(["lb-affinity", "store-capacity"]);
    expect(report.notes.join(" ")).toMatch(/flow changed/);
  });

  it("finished by its answers alone on the new flow keeps its logs, and takes more", async () => {
    const text = readFileSync(withProbesFile, "utf8");
    const v1 = flowFromText(text);
    const store = new MemoryStore();
    const v1Engine = engineWith({ weights: fixtureTable, flows: [v1], store });
    const answers: Record<string, string> = { architecture: "node-memory", sticky: "yes" };
    const first = await v1Engine.start({ flowId: "with-probes" }, { targets: { nodes: [] } }, (q) =>
      answers[q.id] ? { type: "ANSWER", question: q.id, value: answers[q.id]!, source: "user", by: "u1" } : undefined,
    );
    expect(first.pending?.id).toBe("timeout");
    const log = evidenceFromLog("ERR max number of clients reached", "redis.log");
    await v1Engine.continue(
      first.record.id,
      { targets: { nodes: [] } },
      { type: "EVIDENCE", ref: "redis.log", items: log },
    );
    // The new flow ends after the sticky question: the answers alone finish it, before the log is replayed.
    const v2 = flowFromText(
      text.replace("        next: done\n    next: timeout\n", "        next: done\n    next: done\n"),
    );
    expect(v2.version).not.toBe(v1.version);
    const more = evidenceFromLog("READONLY You can't write against a read only replica.", "later.log");
    const resumed = await engineWith({ weights: fixtureTable, flows: [v2], store }).continue(
      first.record.id,
      { targets: { nodes: [] } },
      { type: "EVIDENCE", ref: "later.log", items: more },
    );
    expect(resumed.record.flow.version).toBe(v2.version);
    expect(resumed.record.snapshot.status).toBe("done");
    const logs = resumed.record.snapshot.context.evidence.filter((e) => e.source === "log").map((e) => e.ref);
    expect(logs).toEqual(["redis.log", "later.log"]);
  });

  it("whose flow no longer exists gets a clear error", async () => {
    const store = new MemoryStore();
    const partial = await engineWith({ weights: fixtureTable, flows: [withProbes], store }).start(
      { flowId: "with-probes" },
      { targets: { nodes: [] } },
    );
    await expect(engineWith({ store }).continue(partial.record.id, { targets: { nodes: [] } })).rejects.toMatchObject({
      code: "unknown-flow",
    });
  });
});
