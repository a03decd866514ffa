import type { Probe } from "../../src/probes/types.js";
import { defaultProbes, probeRegistry } from "../../src/probes/index.js";

/**
 * Probes for engine tests: they implement the real probe interface and report what their params say, so a
 * test controls the findings without a network.
 */
export const reportsArchitecture: Probe = {
  name: "test.architecture",
  description: "reports the architecture given in params",
  needs: ["url"],
  facts: { architecture: { description: "where sessions live", values: ["external-store", "node-memory"] } },
  findings: { "shared-store": "where sessions are kept" },
  plan: () => [],
  async run({ params }) {
    const architecture = String(params.architecture ?? "external-store");
    return {
      status: "ok",
      target: "http://app.test/",
      findings: [
        {
          id: "shared-store",
          summary: `sessions are kept in: ${architecture}`,
        },
      ],
      facts: { architecture },
    };
  },
};

export const hangs: Probe = {
  name: "test.hangs",
  description: "never answers until aborted",
  needs: [],
  facts: {},
  findings: {},
  plan: () => [],
  run: ({ signal }) =>
    new Promise((_, reject) =>
      signal.addEventListener("abort", () => reject(new Error(`gave up: ${String(signal.reason)}`))),
    ),
};

export const throws: Probe = {
  name: "test.throws",
  description: "fails with a message that contains a credential",
  needs: [],
  facts: {},
  findings: {},
  plan: () => [],
  run: async () => {
    throw new Error("connect ECONNREFUSED redis://probe:s3cretpass@10.0.0.5:6379");
  },
};

/** The real probes plus the test probes, so fixture flows and the shipped flow load alike. */
export const testProbes = probeRegistry([...defaultProbes.values(), reportsArchitecture, hangs, throws]);
