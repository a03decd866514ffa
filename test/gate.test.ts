import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bringUp, loadScenarios, type Lab } from "../src/lab/scenario.js";
import { Report } from "../src/report/schema.js";
import { sessiondocAsync } from "./helpers/cli.js";

const workDir = mkdtempSync(join(tmpdir(), "sessiondoc-gate-"));
const labs: Lab[] = [];
const scenario = (id: string) => loadScenarios().find((s) => s.id === id)!;

afterAll(async () => {
  await Promise.all(labs.map((l) => l.stop()));
});

// `sessiondoc check` after a deploy: the lab's systems, as a pipeline step would probe them.
describe.concurrent("sessiondoc check, the deploy gate", () => {
  it("exits 0 with one line on a healthy system", async () => {
    const lab = await bringUp(scenario("healthy-round-robin"), { workDir });
    labs.push(lab);
    const r = await sessiondocAsync(["check", ...lab.args]);
    expect(r.stdout).toMatch(/^no fault found: \d+ probes ran and every cause was examined\n$/);
    expect(r.code).toBe(0);
  });

  it("exits 3 naming the cause on a broken one, and --json gives the full report", async () => {
    const lab = await bringUp(scenario("key-mismatch"), { workDir });
    labs.push(lab);
    const r = await sessiondocAsync(["check", ...lab.args, "--json"]);
    expect(r.code).toBe(3);
    const report = Report.parse(JSON.parse(r.stdout));
    expect(report.verdict).toBe("cause-found");
    expect(report.causes[0]!.id).toBe("key-mismatch");
  });

  it("exits 4 when a target it was given cannot be probed, and 4 when it was given none", async () => {
    const r = await sessiondocAsync(["check", "--redis", "redis://127.0.0.1:1"]);
    expect(r.stdout).toMatch(/^could not probe: connection refused at redis:\/\/127\.0\.0\.1:1.*\(redis\.info, /);
    expect(r.code).toBe(4);
    const none = await sessiondocAsync(["check"]);
    expect(none.stdout).toBe("could not probe: no probe had its targets\n");
    expect(none.code).toBe(4);
  });
});
