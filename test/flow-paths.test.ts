import { describe, expect, it } from "vitest";
import { loadDefinitions } from "../src/engine/definitions.js";
import { exploreFlow } from "../src/engine/explore.js";
import { flowFiles } from "../src/flows/load.js";
import { testProbes } from "./helpers/probes.js";

const fixtureFlows = flowFiles(new URL("./fixtures/flows", import.meta.url).pathname);
const shipped = loadDefinitions();
const fixtures = loadDefinitions({
  flowFiles: fixtureFlows,
  probes: testProbes,
  evidenceFile: new URL("./fixtures/evidence/with-probes.yaml", import.meta.url).pathname,
});
const all = [
  ...[...shipped.flows.values()].map((f) => ({ ...f, defs: shipped })),
  ...[...fixtures.flows.values()].map((f) => ({ ...f, defs: fixtures })),
];

describe("every path through every flow", () => {
  it("covers the shipped flows and the fixtures", () => {
    expect([...shipped.flows.keys()]).toContain("session-replication");
    expect(all.length).toBeGreaterThanOrEqual(2);
  });

  for (const { flow, defs } of all) {
    it(`${flow.id}: every path ends in a conclusion and every edge is taken`, () => {
      const result = exploreFlow(
        flow,
        defs.probes,
        defs.catalogue.causes.map((c) => c.id),
      );
      expect(result.stuck).toEqual([]);
      expect(result.untaken).toEqual([]);
      expect(result.paths.length).toBeGreaterThan(0);
      for (const path of result.paths) expect(flow.nodes[path.at(-1)!]?.kind).toBe("conclusion");
    });
  }
});
