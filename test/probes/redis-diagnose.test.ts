import { afterAll, describe, expect, it } from "vitest";
import { Report } from "../../src/report/schema.js";
import { sessiondoc, sessiondocInProcess } from "../helpers/cli.js";
import { startRedis, type RedisServer } from "../helpers/redis.js";
import { writeSessions } from "../helpers/sessions.js";

const servers: RedisServer[] = [];
afterAll(async () => Promise.all(servers.map((s) => s.stop())));

describe("sessiondoc diagnose --redis", () => {
  it("names ttl-mismatch from the store alone, asking nothing a probe answered", async () => {
    const server = await startRedis();
    servers.push(server);
    await writeSessions(server.url, { count: 100, ttl: 300 });
    const r = await sessiondocInProcess([
      "diagnose",
      "--redis",
      server.url,
      "--answer",
      "idle-timeout=30m",
      "--non-interactive",
      "--json",
    ]);
    expect(r.code).toBe(0);
    const report = Report.parse(r.json);
    expect(report.verdict).toBe("cause-found");
    expect(report.causes[0]!.id).toBe("ttl-mismatch");
    expect(report.causes[0]!.evidence[0]!.summary).toMatch(
      /store lifetime about .*, but the app.s idle timeout is 30m/,
    );
    const ttl = report.probes
      .find((p) => p.id === "redis.sessions")!
      .findings.find((f) => f.id === "ttl-shorter-than-idle-timeout")!;
    expect(Number(ttl.data!.lifetimeSeconds)).toBeGreaterThanOrEqual(299);
    expect(Number(ttl.data!.lifetimeSeconds)).toBeLessThanOrEqual(301);
    const bySource = Object.fromEntries(report.questions.map((q) => [q.id, q.source]));
    expect(bySource).toMatchObject({
      stack: "probe",
      architecture: "probe",
      "store-evictions": "probe",
      "store-replica": "probe",
    });
    expect(report.questions.find((q) => q.id === "stack")!.answer).toBe("express");
    expect(report.probes.filter((p) => p.status !== "skipped").map((p) => [p.id, p.status])).toEqual([
      ["redis.info", "ok"],
      ["redis.writes", "ok"],
      ["redis.sessions", "ok"],
    ]);
    expect(report.probes.find((p) => p.id === "http.continuity")!.findings[0]!.summary).toBe(
      "not run: needs --url, --session-path, --check-path",
    );
    // Snippets follow the stack the store revealed.
    expect(report.causes[0]!.snippets.map((s) => s.stack)).toContain("express");
    expect(report.causes[0]!.snippets.map((s) => s.stack)).not.toContain("aspnet-core");
  });

  it("reports an unreachable store as a failed probe and still completes", () => {
    const r = sessiondoc(["diagnose", "--redis", "redis://:Pw-9x7q2@127.0.0.1:1", "--non-interactive", "--json"]);
    expect(r.code).toBe(0);
    const report = Report.parse(r.json);
    expect(report.probes[0]).toMatchObject({ id: "redis.info", status: "failed", target: "redis://:***@127.0.0.1:1" });
    expect(report.probes[0]!.findings[0]!.summary).toMatch(/^connection refused at redis:\/\/:\*\*\*@127\.0\.0\.1:1/);
    expect(r.stdout + r.stderr).not.toContain("Pw-9x7q2");
    expect(report.verdict).toBe("inconclusive");
  });
});
