import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSlowTarget, type SlowTarget } from "../../src/lab/slow-target.js";
import { sessiondocAsync } from "../helpers/cli.js";

let trickle: SlowTarget;
let hang: SlowTarget;
beforeAll(async () => {
  [trickle, hang] = await Promise.all([startSlowTarget("trickle"), startSlowTarget("hang")]);
});
afterAll(async () => {
  await Promise.all([trickle?.stop(), hang?.stop()]);
});

describe("a target that trickles, from the terminal", () => {
  it("ends with a verdict within each probe's timeout plus 2 s, and all probes within the diagnosis' time limit", async () => {
    // The CLI's own start on this machine (the quicker of two), to tell it apart from the diagnosis.
    const idleRuns = [
      await sessiondocAsync(["diagnose", "--non-interactive", "--json"]),
      await sessiondocAsync(["diagnose", "--non-interactive", "--json"]),
    ];
    const idle = { ms: Math.min(...idleRuns.map((r) => r.ms)) };
    const probeTime = (stdout: string) =>
      (JSON.parse(stdout) as { probes: Array<{ durationMs: number }> }).probes.reduce((t, p) => t + p.durationMs, 0);
    const one = await sessiondocAsync([
      ...["diagnose", "--non-interactive", "--json", "--url", trickle.url],
      ...["--session-path", "/login", "--check-path", "/me", "--probe-timeout", "2"],
    ]);
    expect(one.code).toBe(0);
    const report = JSON.parse(one.stdout) as { verdict: string; probes: Array<{ id: string; status: string }> };
    // The two probes that need only the URL (continuity, cookie headers) are each cut at 2 s.
    const needUrl = report.probes.filter((p) => p.id.startsWith("http.") && p.status !== "skipped");
    expect(needUrl.map((p) => [p.id, p.status])).toEqual([
      ["http.continuity", "failed"],
      ["http.cookie-headers", "failed"],
    ]);
    expect(probeTime(one.stdout)).toBeLessThan(2 * 2_000 + 500);
    expect(one.ms - idle.ms).toBeLessThan(2 * 2_000 + 2_000);

    // Every HTTP probe against trickling nodes: each is cut at 2 s, and all of them at the 3 s limit (those left when
    // it is reached do not run).
    const all = await sessiondocAsync([
      ...["diagnose", "--non-interactive", "--json", "--url", trickle.url, "--node", trickle.url, "--node", hang.url],
      ...["--session-path", "/login", "--check-path", "/me", "--health-path", "/health"],
      ...["--probe-timeout", "2", "--timeout", "3"],
    ]);
    expect(all.code).toBe(0);
    const probes = (JSON.parse(all.stdout) as typeof report).probes.filter((p) => p.id.startsWith("http."));
    // Every one failed: cut at its own 2 s, or not started once the 3 s limit was reached.
    expect(probes.length).toBeGreaterThanOrEqual(5);
    expect(probes.filter((p) => p.status !== "failed")).toEqual([]);
    expect(probeTime(all.stdout)).toBeLessThan(3_000 + 500);
    expect(all.ms - idle.ms).toBeLessThan(3_000 + 2_000);
    console.log(
      `trickling target: verdict after ${Math.round(one.ms)} ms, ${Math.round(probeTime(one.stdout))} ms of probes (probe timeout 2 s); every HTTP probe: ${Math.round(all.ms)} ms, ${Math.round(probeTime(all.stdout))} ms of probes (time limit 3 s); the CLI alone ${Math.round(idle.ms)} ms`,
    );
  });
});
