import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { describeFlowData, FlowDescription } from "../src/flows/describe.js";
import { sessiondocInProcess } from "./helpers/cli.js";
import { flowFromText, shipped } from "./helpers/definitions.js";

const main = shipped.flows.get("session-replication")!;

describe("sessiondoc flows show --json", () => {
  it("prints the shipped flow as one JSON document: nodes, pooled questions with preconditions, conclusions", async () => {
    const r = await sessiondocInProcess(["flows", "show", "--json"]);
    expect(r.code).toBe(0);
    const shown = FlowDescription.parse(r.json);
    expect(shown).toMatchObject({ id: "session-replication", version: main.version, start: main.flow.start });
    expect(shown.nodes.map((n) => n.id)).toEqual(Object.keys(main.flow.nodes));

    const pool = shown.nodes.find((n) => n.kind === "ask")!;
    expect(pool.kind === "ask" && pool.questions).toContain("symptom");
    const questions = new Map(shown.questions.map((q) => [q.id, q]));
    for (const id of pool.kind === "ask" ? pool.questions : []) expect(questions.get(id)!.pools).toEqual([pool.id]);
    // The values --answer takes, and when a question is put.
    expect(questions.get("lb-sticky")!.choices!.map((c) => c.value)).toEqual(["yes", "no"]);
    expect(questions.get("lb-sticky")!.when).toEqual([{ fact: "architecture", notIn: ["cookie"] }]);
    expect(questions.get("symptom")!.when).toEqual([]);
    expect(questions.get("idle-timeout")).toMatchObject({
      input: { kind: "text", example: "30m" },
      informs: ["ttl-mismatch"],
    });
    expect(shown.conclusions).toEqual([{ id: "conclusion", text: "Diagnosis complete." }]);
  });

  it("leaves the text listing as it was without --json", async () => {
    const r = await sessiondocInProcess(["flows", "show"]);
    expect(r.code).toBe(0);
    expect(r.json).toBeUndefined();
    expect(r.stdout).toMatch(/^session-replication: Session replication problems\n/);
    expect(r.stdout).toContain("lb-sticky: Does the load balancer pin each user");
  });

  it("describes a flow without pools: questions on the flow's own path, probes, branches and choices that lead on", () => {
    const file = new URL("./fixtures/flows/with-probes.yaml", import.meta.url).pathname;
    const flow = flowFromText(readFileSync(file, "utf8"), undefined, "with-probes.yaml");
    const shown = describeFlowData(flow);
    expect(shown.nodes.find((n) => n.id === "look")).toEqual({
      id: "look",
      kind: "probe",
      probe: "test.architecture",
      params: { architecture: "external-store" },
      next: "architecture",
      branches: [{ when: { fact: "architecture", equals: "node-memory" }, next: "sticky" }],
    });
    const sticky = shown.questions.find((q) => q.id === "sticky")!;
    expect(sticky.pools).toEqual([]);
    expect(sticky.choices).toContainEqual({ value: "no", label: "No", next: "done" });
    expect(shown.conclusions).toEqual([{ id: "done" }]);
  });
});
