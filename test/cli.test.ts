import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CORE_CAUSE_IDS } from "../src/catalogue/schema.js";
import { Report } from "../src/report/schema.js";
import { catalogue } from "./helpers/definitions.js";
import { root, sessiondocInProcess } from "./helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "sessiondoc-cli-"));

// The shared conformance check of the CLI contract, when a checkout provides it (.ci/run points at it if present).
const contract = process.env.SESSIONDOC_CONTRACT_CHECK;

describe("sessiondoc diagnose --non-interactive --json", () => {
  it.skipIf(!contract)("keeps the shared CLI contract", () => {
    const r = spawnSync("node", [contract!], {
      cwd: root,
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(r.stdout).toMatch(/\d+ passed, 0 failed/);
    expect(r.status).toBe(0);
  });

  it("prints a report that matches the report schema, with answers given up front", async () => {
    const r = await sessiondocInProcess([
      "diagnose",
      "--answer",
      "architecture=node-memory",
      "--answer",
      "lb-sticky=no",
      "--answer",
      "stack=unknown",
      "--non-interactive",
      "--json",
    ]);
    expect(r.code).toBe(0);
    const report = Report.parse(r.json);
    expect(report.verdict).toBe("cause-found");
    expect(report.causes[0]!.id).toBe("lb-affinity");
    expect(report.causes).toHaveLength(catalogue.causes.length);
    expect(report.questions.find((q) => q.id === "lb-sticky")).toMatchObject({ answer: "no", source: "user" });
    // "unknown" given up front is taken, and the stack was not needed to name the cause.
    expect(report.questions.find((q) => q.id === "stack")).toMatchObject({ answer: null });
  });

  it("without --json prints a readable report with the fix", async () => {
    const trace = join(dir, "trace.log");
    writeFileSync(
      trace,
      "Caused by: java.io.InvalidClassException: com.example.Cart; local class incompatible: stream classdesc serialVersionUID = 1\n",
    );
    const r = await sessiondocInProcess(["diagnose", "--evidence", trace, "--non-interactive"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Verdict: cause-found/);
    expect(r.stdout).toContain("[serialization]");
    expect(r.stdout).toMatch(/^Fix \(/m);
    expect(r.stdout).toContain("trace.log line 1");
  });

  it("says which questions it passed over as unlikely to overturn the named cause, so they can be answered", async () => {
    const given = [
      ["symptom", "random-logout"],
      ["architecture", "external-store"],
      ["store-errors", "errors"],
      ["loss-timing", "after-quiet"],
    ].flatMap(([q, v]) => ["--answer", `${q}=${v}`]);
    const json = await sessiondocInProcess(["diagnose", ...given, "--non-interactive", "--json"]);
    const report = Report.parse(json.json);
    expect(report.causes[0]!.id).toBe("store-connectivity");
    expect(report.verdict).toBe("cause-found");
    // MOVED errors would name another cause, but the person said the errors are the connection's.
    expect(report.questions.find((q) => q.id === "store-cluster")).toMatchObject({
      answer: null,
      skipped: "unlikely-to-change",
    });
    const text = await sessiondocInProcess(["diagnose", ...given, "--non-interactive"]);
    expect(text.stdout).toMatch(/^Not asked, as unlikely to overturn it: .*store-cluster/m);
  });

  const usage: Array<[string, string[], RegExp]> = [
    ["an unknown question in --answer", ["--answer", "favourite-colour=blue"], /no question "favourite-colour"/],
    ["a value the question does not take", ["--answer", "architecture=mainframe"], /choose one of: node-memory/],
    ["--answer without =", ["--answer", "architecture"], /needs ID=VALUE/],
    ["a missing --evidence file", ["--evidence", join(dir, "nope.log")], /cannot read it \(ENOENT\)/],
    ["a relative --check-path", ["--check-path", "me"], /must be a path starting with "\/"/],
    ["an unknown flow", ["--flow", "nope"], /no flow "nope"/],
    [
      "a --redis URL with a password, without echoing it",
      ["--redis", "http://u:topsecret@x"],
      /--redis: expected redis:\/\//,
    ],
  ];
  for (const [name, args, message] of usage) {
    it(`exits 2 with one line for ${name}`, async () => {
      const r = await sessiondocInProcess(["diagnose", ...args, "--non-interactive", "--json"]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).not.toContain("topsecret");
    });
  }
});

describe("sessiondoc flows", () => {
  // Walking the shipped flows' every path is test/flow-paths.test.ts; here, what the command makes of a flow.
  it("check accepts a flow whose every path ends in a conclusion, and counts them", async () => {
    const good = join(dir, "good.yaml");
    writeFileSync(
      good,
      "id: good\ntitle: Good\nstart: q\nnodes:\n  q:\n    kind: question\n    text: Q?\n    choices:\n      - { value: a, label: A, next: yes }\n      - { value: b, label: B, next: no }\n    next: no\n  yes:\n    kind: conclusion\n  no:\n    kind: conclusion\n",
    );
    const r = await sessiondocInProcess(["flows", "check", good]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /^ok .*good\.yaml: flow "good" version [0-9a-f]{12}, 3 nodes, 2 paths, each ending in a conclusion/,
    );
  });

  it("check rejects a branch that no answer can take", async () => {
    const dead = join(dir, "dead.yaml");
    writeFileSync(
      dead,
      "id: dead\ntitle: Dead branch\nstart: q\nnodes:\n  q:\n    kind: question\n    text: Q?\n    choices:\n      - { value: a, label: A, next: end }\n      - { value: b, label: B, next: end }\n    next: end\n    branches:\n      - when: { fact: q, equals: c }\n        next: other\n  other:\n    kind: conclusion\n  end:\n    kind: conclusion\n",
    );
    const r = await sessiondocInProcess(["flows", "check", dead]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/dead\.yaml:6: nodes\.q: no answer or probe outcome ever takes q -\[branch:0\]-> other/);
  });

  it("check rejects a malformed flow with file, line, path and problem, and no stack trace", async () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(
      bad,
      "id: bad\ntitle: Bad\nstart: q\nnodes:\n  q:\n    kind: question\n    text: Q?\n    choices:\n      - { value: a, label: A }\n      - { value: b, label: B }\n    next: gone\n",
    );
    const r = await sessiondocInProcess(["flows", "check", bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.yaml:11: nodes\.q\.next: target "gone" does not exist \(known nodes: q\)/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("show lists the ids and values that --answer takes", async () => {
    const r = await sessiondocInProcess(["flows", "show"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/architecture: Where do sessions live\?\n\s+node-memory/);
  });
});

describe("sessiondoc causes", () => {
  it("lists the causes of the catalogue in order, the twelve contract ids first", async () => {
    const r = await sessiondocInProcess(["causes", "--json"]);
    expect(r.code).toBe(0);
    const ids = (r.json as Array<{ id: string }>).map((c) => c.id);
    expect(ids.slice(0, CORE_CAUSE_IDS.length)).toEqual([...CORE_CAUSE_IDS]);
    expect(ids).toEqual(catalogue.causes.map((c) => c.id));
  });
});
