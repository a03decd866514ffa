import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { rerunCommand, shellQuote } from "../src/cli/rerun.js";
import { wrap } from "../src/report/text.js";
import { root, sessiondoc, sessiondocAsync, sessiondocInProcess } from "./helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "sessiondoc-terminal-"));
const ESC = "\u001b";
const ANSI = new RegExp(`${ESC}\\[[0-9;?]*[A-Za-z]`, "g");
const BIN = join(root, "bin/sessiondoc.js");
const { NO_COLOR: _noColor, ...withoutNoColor } = process.env;
const UNKNOWN_UP_FRONT = ["stack", "lb-sticky", "affinity-holds", "lb-health", "cookie-sent", "id-regeneration"]
  .concat(["store-evictions", "store-replica", "serialization-errors", "keys-shared", "clock-sync"])
  .concat(["ttl-vs-timeout", "session-size", "drain-test", "cookie-context"]);

/**
 * Runs a shell command line under a real pseudo-terminal (util-linux `script`), so that the program sees a terminal
 * on stdin, stderr and stdout (unless the command line redirects it). Each key is typed once a new question is on
 * the screen (the prompt's "navigate" hint, drawn after the key before); keys with no question to answer are not
 * typed. Resolves with the exit code and everything the terminal showed.
 */
function inTerminal(
  commandLine: string,
  keys: string[] = [],
  env: Record<string, string> = {},
): Promise<{ code: number | null; out: string; raw: string }> {
  return new Promise((resolve) => {
    const child = spawn("script", ["-qec", commandLine, "/dev/null"], { env: { ...withoutNoColor, ...env } });
    let out = "";
    let typed = 0;
    let from = 0;
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (typed < keys.length && out.indexOf("navigate", from) >= 0) {
        from = out.length;
        child.stdin.write(keys[typed++]!);
      }
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, out: out.replace(ANSI, ""), raw: out });
    });
  });
}

describe("the terminal: streams", () => {
  it("keeps prompts on stderr, so that stdout carries exactly one JSON document", async () => {
    const out = join(dir, "out.json");
    // Most questions unknown up front; Enter picks the first choice of each one asked; stdout goes to a file, as
    // with `> file` or `| jq`.
    const unknown = UNKNOWN_UP_FRONT.flatMap((id) => ["--answer", `${id}=unknown`]).join(" ");
    const shown = await inTerminal(`node ${BIN} diagnose --json ${unknown} >${out}`, Array(8).fill("\r"));
    const report = JSON.parse(readFileSync(out, "utf8"));
    expect(report.questions.filter((q: { source: string }) => q.source === "user").length).toBeGreaterThan(0);
    expect(shown.out).toMatch(/What are users seeing\?/);
    expect(shown.out).not.toMatch(/"verdict"/);
  });

  it("at Ctrl-C prints the command that continues with every answer given, password masked, and exits 130", async () => {
    const shown = await inTerminal(`node ${BIN} diagnose --redis redis://:Hush-31@127.0.0.1:1 >/dev/null`, [
      "\r",
      "\u0003",
    ]);
    expect(shown.out).toMatch(
      /Continue where you stopped with:\r?\n\s+npx sessiondoc diagnose --redis 'redis:\/\/:\*\*\*@127\.0\.0\.1:1' --answer symptom=random-logout\r?\n/,
    );
    expect(shown.out).not.toContain("Hush-31");
    expect(shown.code).toBe(130);
  });

  it("a reader that goes away ends the program quietly", () => {
    const r = spawnSync("sh", ["-c", `node ${BIN} causes --json | head -c 20 >/dev/null`], { encoding: "utf8" });
    expect(r.stderr).toBe("");
  });
});

describe("the terminal: a readable report", () => {
  const logFile = join(dir, "trace.log");
  writeFileSync(logFile, "java.io.NotSerializableException: com.shop.Cart\n");
  const args = ["diagnose", "--non-interactive", "--evidence", logFile, "--answer", "stack=java-tomcat"];

  it("through a pipe: wrapped to COLUMNS (code kept whole), no colour, the fix before the evidence", () => {
    const r = sessiondoc(args, { env: { COLUMNS: "72" } });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(ANSI);
    const lines = r.stdout.split("\n");
    const code = lines.filter((l) => l.startsWith("      "));
    expect(lines.filter((l) => l.length > 72 && !code.includes(l))).toEqual([]);
    expect(lines.indexOf("Fix (serialization):")).toBeGreaterThan(0);
    expect(lines.indexOf("Fix (serialization):")).toBeLessThan(lines.findIndex((l) => l.includes("Evidence:")));
    // The re-check leaves out the old log, and says to bring one from after the fix.
    expect(r.stdout.replace(/\s+/g, " ")).toContain(
      "check again (with --evidence, a log from after the fix): npx sessiondoc diagnose --non-interactive --answer stack=java-tomcat ",
    );
    // Probes without their targets: one line that says what would run them.
    expect(r.stdout.replace(/\s+/g, " ")).toMatch(
      /Not run: redis\.info, redis\.lookup, [a-z., ]*\(needs --redis\); http\./,
    );
  });

  it("on a terminal: coloured, and plain with NO_COLOR", async () => {
    const line = `node ${BIN} ${args.join(" ")}`;
    expect((await inTerminal(line)).raw).toContain(`${ESC}[31mVerdict: cause-found`);
    const plain = await inTerminal(line, [], { NO_COLOR: "1" });
    expect(plain.raw).toMatch(/^Verdict: cause-found/m);
    expect(plain.raw).not.toContain(`${ESC}[`);
  });

  it("--output markdown is the incident summary to paste, with who ran it by name and when", async () => {
    const r = await sessiondocInProcess([...args, "--output", "markdown"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^# Session diagnosis\n\n\*\*Verdict:\*\* cause found — /);
    expect(r.stdout).toMatch(/## Recommended fix\n- /);
    expect(r.stdout).toMatch(/\nRun by [^<\s]+, \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\n$/);
  });

  it("wraps prose under its indent and bullet, never splitting a word", () => {
    expect(wrap("     + (probe) one two three four five six", 26)).toEqual([
      "     + (probe) one two",
      "               three four",
      "               five six",
    ]);
    expect(wrap("  • averyveryverylongword and more", 12)).toEqual(["  • averyveryverylongword", "    and more"]);
  });
});

describe("the command to run a diagnosis again", () => {
  it("replaces earlier answers to the same questions, quotes for the shell and masks passwords", () => {
    const { command, masked } = rerunCommand(
      [
        "diagnose",
        "--redis",
        "rediss://app:s3cret@cache:6380/2",
        "--answer",
        "symptom=csrf-errors",
        "--answer=stack=php",
      ],
      new Map([
        ["symptom", "random-logout"],
        ["architecture", null],
      ]),
    );
    expect(command).toBe(
      "npx sessiondoc diagnose --redis 'rediss://app:***@cache:6380/2' --answer=stack=php --answer symptom=random-logout --answer architecture=unknown",
    );
    expect(masked).toBe(true);
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });
});

describe("the command line", () => {
  it("--version, and a mistyped command or option gets one line with a suggestion", async () => {
    expect((await sessiondocInProcess(["--version"])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const cmd = await sessiondocInProcess(["diagnos"]);
    expect(cmd.code).toBe(2);
    expect(cmd.stderr).toBe(
      'sessiondoc: unknown command "diagnos" (did you mean diagnose?); commands: diagnose, check, watch, flows, slack, worker, causes, help\n',
    );
    const opt = await sessiondocInProcess(["diagnose", "--urll", "x"]);
    expect(opt.code).toBe(2);
    expect(opt.stderr).toBe("error: unknown option '--urll' (Did you mean --url?)\n");
  });

  it("--help has examples and the environment variables", async () => {
    const r = await sessiondocInProcess(["--help"]);
    expect(r.stdout).toMatch(/Examples:\n\s+npx sessiondoc/);
    expect(r.stdout).toMatch(/SESSIONDOC_CONFIG/);
    expect(r.stdout).toMatch(/NO_COLOR/);
  });

  it("causes ID shows one cause with its fixes; an unknown id says which exist", async () => {
    const r = await sessiondocInProcess(["causes", "ttl-mismatch"]);
    expect(r.stdout).toMatch(/^ttl-mismatch — /);
    expect(r.stdout).toMatch(/\nFix:\n\s+• /);
    const bad = await sessiondocInProcess(["causes", "ttl"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/no cause "ttl" \(causes: lb-affinity, /);
  });

  it("--target reads sessiondoc.yaml as the Slack app does: its targets and its facts; flags override", async () => {
    const config = join(dir, "sessiondoc.yaml");
    writeFileSync(
      config,
      [
        "targets:",
        "  checkout:",
        "    redis: redis://127.0.0.1:1",
        "    facts: { stack: php, architecture: external-store }",
      ].join("\n"),
    );
    const env = { SESSIONDOC_CONFIG: config };
    const r = await sessiondocAsync(["diagnose", "--target", "checkout", "--non-interactive", "--json"], { env });
    const report = JSON.parse(r.stdout);
    expect(report.probes.find((p: { id: string }) => p.id === "redis.info").target).toBe("redis://127.0.0.1:1");
    expect(report.questions.find((q: { id: string }) => q.id === "stack").answer).toBe("php");
    const over = await sessiondocAsync(
      ["diagnose", "--target", "checkout", "--redis", "redis://127.0.0.1:2", "--non-interactive", "--json"],
      { env },
    );
    expect(JSON.parse(over.stdout).probes.find((p: { id: string }) => p.id === "redis.info").target).toBe(
      "redis://127.0.0.1:2",
    );
    const missing = sessiondoc(["diagnose", "--target", "nope"], { env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--target: no target "nope" in .*sessiondoc\.yaml \(targets: checkout\)/);
  });

  it("a bot token alone in the shell leaves the terminal diagnosis in place", () => {
    const r = sessiondoc([], { env: { SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "", SLACK_APP_TOKEN: "" } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Verdict: inconclusive\n/);
  });
});
