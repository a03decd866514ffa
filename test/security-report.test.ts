import { describe, expect, it } from "vitest";
import type { Report } from "../src/report/schema.js";
import { sessiondocInProcess } from "./helpers/cli.js";

const answers = (a: Record<string, string>) => Object.entries(a).flatMap(([k, v]) => ["--answer", `${k}=${v}`]);
const LEAK = { symptom: "wrong-account", "session-cached": "yes" };
// Sessions in node memory behind a balancer without affinity: a cause that outranks the leak.
const AFFINITY = { architecture: "node-memory", "lb-sticky": "no" };

describe("a session leak through a shared cache, in the terminal", () => {
  it("comes first, above a cause that ranks higher, with what to do now", async () => {
    const json = await sessiondocInProcess([
      "diagnose",
      "--non-interactive",
      "--json",
      ...answers({ ...LEAK, ...AFFINITY }),
    ]);
    const report = json.json as Report;
    expect(report.causes[0]!.id).toBe("lb-affinity");
    expect(report.summary).toMatch(/^SECURITY — A shared cache hands one user's session to others \(found, \d+ %\)\. /);

    const text = await sessiondocInProcess(["diagnose", "--non-interactive", ...answers({ ...LEAK, ...AFFINITY })]);
    expect(text.code).toBe(0);
    const lines = text.stdout.split("\n");
    expect(lines[0]).toMatch(/^!{72}$/);
    expect(lines[1]).toMatch(/^!! SECURITY — A shared cache hands one user's session to others \(found/);
    expect(lines.findIndex((l) => l.includes("Act now: Purge the cache now"))).toBeLessThan(
      lines.findIndex((l) => l.startsWith("Verdict:")),
    );
  });

  it("is not shown when nothing points at a shared cache", async () => {
    const text = await sessiondocInProcess([
      "diagnose",
      "--non-interactive",
      ...answers({ symptom: "random-logout", ...AFFINITY }),
    ]);
    expect(text.stdout.split("\n")[0]).toBe("Verdict: cause-found");
    expect(text.stdout).not.toContain("SECURITY");
  });
});
