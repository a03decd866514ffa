import { defineConfig } from "vitest/config";

/**
 * Tests that bring up whole stacks (Tomcat, Apache, nginx, gunicorn, socket.io behind HAProxy, lab scenarios), or
 * whole processes of this program (the CLI on a pseudo-terminal, Slack replicas killed and restarted, a diagnosis
 * against a trickling target timed end to end): real parts every one, too slow for the README's test command.
 * `npm run test:stacks` runs them, and CI after `npm test`.
 */
export const STACK_TESTS = [
  "test/lab-stacks/**/*.test.ts",
  "test/lab.test.ts",
  "test/gate.test.ts",
  "test/probes/diagnose-http.test.ts",
  "test/probes/realtime-race.test.ts",
  "test/probes/cookie-headers.test.ts",
  "test/probes/workers.test.ts",
  "test/probes/ip-affinity.test.ts",
  "test/cli-terminal.test.ts",
  "test/security/trickle-cli.test.ts",
  "test/security/recovery.test.ts",
  "test/slack/replicas.test.ts",
  "test/probes/repeat.test.ts",
  "test/witness-seeds.test.ts",
  "test/probes/http.test.ts",
  "test/slack/safety.test.ts",
  "test/slack/workers.test.ts",
];

const stacks = process.env.SESSIONDOC_TESTS === "stacks";

export default defineConfig({
  test: {
    include: stacks ? STACK_TESTS : ["test/**/*.test.ts"],
    exclude: stacks ? [] : STACK_TESTS,
    globalSetup: ["test/setup/global.ts"],
    reporters: ["default", "./test/setup/summary-reporter.ts"],
    // Most tests wait on real servers, not the CPU: a few files at once keep both cores busy.
    maxWorkers: 4,
    // Files share a worker's loaded modules: loading the Slack app, the probes and the engine again for each file
    // was a third of the suite's CPU. Tests keep no state in modules (each builds its own app, store and engine).
    isolate: false,
    testTimeout: 30_000,
    // Tests start real servers on free ports, several files at once: one can lose a port or start-up race with
    // another's server. A second try tells that apart from a real failure, which fails both times.
    retry: 1,
    hookTimeout: 60_000,
  },
});
