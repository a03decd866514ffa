import { describe, expect, it } from "vitest";
import { sessiondoc } from "../helpers/cli.js";

const clean = { SLACK_BOT_TOKEN: "", SLACK_SIGNING_SECRET: "", SLACK_APP_TOKEN: "", REDIS_URL: "" };

describe("sessiondoc worker and slack --no-worker", () => {
  it("a worker without its Redis or bot token says which and exits 2", () => {
    const none = sessiondoc(["worker"], { env: clean });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^sessiondoc: the worker needs SLACK_BOT_TOKEN .* and REDIS_URL .*; see README/);
    const noRedis = sessiondoc(["worker"], { env: { ...clean, SLACK_BOT_TOKEN: "xoxb-1" } });
    expect(noRedis.code).toBe(2);
    expect(noRedis.stderr).toMatch(/the worker needs REDIS_URL \(the Redis the Slack app queues diagnosis steps in\)/);
  });

  it("a listener alone without Redis says steps would have nowhere to go, and exits 2", () => {
    const r = sessiondoc(["slack", "--no-worker"], {
      env: { ...clean, SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "s" },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^sessiondoc: --no-worker needs REDIS_URL/);
  });

  it("a concurrency that is not a whole number is named", () => {
    const r = sessiondoc(["worker"], {
      env: {
        ...clean,
        SLACK_BOT_TOKEN: "xoxb-1",
        REDIS_URL: "redis://127.0.0.1:1",
        SESSIONDOC_WORKER_CONCURRENCY: "lots",
      },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/SESSIONDOC_WORKER_CONCURRENCY as a whole number from 1 to 1000, not "lots"/);
  });
});
