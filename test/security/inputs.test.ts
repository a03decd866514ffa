import { execFileSync } from "node:child_process";
import { closeSync, constants, mkdtempSync, openSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readBounded } from "../../src/cli/evidence-file.js";
import { loadConfig } from "../../src/config/load.js";
import { type DataFileError } from "../../src/data/load-yaml.js";
import { makeProbeRunner } from "../../src/engine/probe-runner.js";
import { startSlowTarget, type SlowTarget } from "../../src/lab/slow-target.js";
import { DEFAULT_HTTP_LIMITS, HttpClient } from "../../src/probes/http/client.js";
import { createPolicy } from "../../src/probes/http/policy.js";
import { probeRegistry } from "../../src/probes/index.js";
import type { Probe } from "../../src/probes/types.js";
import { MemoryStore } from "../../src/store/memory.js";
import { sessiondocAsync, sessiondocInProcess } from "../helpers/cli.js";
import { quietLog } from "../helpers/definitions.js";
import { engineWith } from "../helpers/engine.js";

const dir = mkdtempSync(join(tmpdir(), "sessiondoc-inputs-"));
let trickle: SlowTarget;
beforeAll(async () => {
  trickle = await startSlowTarget("trickle", { intervalMs: 200 });
});
afterAll(async () => trickle?.stop());

describe("--evidence", () => {
  it("reads at most its limit from a device that never ends", async () => {
    const r = await sessiondocAsync(["diagnose", "--non-interactive", "--json", "--evidence", "/dev/zero"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("sessiondoc: --evidence /dev/zero: larger than 5 MB; pass the relevant excerpt\n");
  });

  it("reads a FIFO without blocking: what its writer sends, and gives up on one that goes silent", async () => {
    const fifo = join(dir, "fifo");
    execFileSync("mkfifo", [fifo]);
    // Nobody writing: empty at once.
    expect(await readBounded(fifo, { maxBytes: 1024, timeoutMs: 2_000 })).toBe("");
    // A writer that holds the pipe open and says nothing: given up at the time limit.
    const keep = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const writer = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    const started = Date.now();
    await expect(readBounded(fifo, { maxBytes: 1024, timeoutMs: 300 })).rejects.toThrow(
      /nothing more arrived within 0\.3 s/,
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    // A writer that sends a log and closes: read in full, through the CLI.
    writeSync(writer, "ReplyError: READONLY You can't write against a read only replica.\n");
    setTimeout(() => closeSync(writer), 300);
    const r = await sessiondocAsync(["diagnose", "--non-interactive", "--json", "--evidence", fifo]);
    closeSync(keep);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).causes[0].id).toBe("replication");
  });
});

describe("numeric options and entries on the command line", () => {
  const cases: Array<[string[], RegExp]> = [
    [["--probe-timeout", "1e12"], /--probe-timeout needs a number of seconds from 0\.1 to 600, got "1e12"/],
    [["--probe-timeout", "0"], /--probe-timeout needs a number of seconds from 0\.1 to 600/],
    [["--probe-timeout", "-5"], /--probe-timeout needs a number/],
    [["--timeout", "99999"], /--timeout needs a number of seconds from 1 to 3600/],
    [["--allow", "10.0.0.0/99"], /--allow: "10\.0\.0\.0\/99" is not a valid CIDR range/],
    [["--allow", "ftp://h/"], /--allow: "ftp:\/\/h\/": URL prefixes are http:\/\/ or https:\/\//],
    [
      ["--login", "POST /login user=${SESSIONDOC_UNSET_USER}"],
      /--login: the environment variable SESSIONDOC_UNSET_USER is not set; export it first/,
    ],
  ];
  it("are refused with exit code 2 and what to write instead", async () => {
    for (const [args, message] of cases) {
      const r = await sessiondocInProcess(["diagnose", "--non-interactive", ...args]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toMatch(message);
    }
  });
});

describe("sessiondoc.yaml", () => {
  const problems = (yaml: string, env: NodeJS.ProcessEnv = {}) => {
    const file = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, yaml);
    try {
      loadConfig({ SESSIONDOC_CONFIG: file, ...env });
      return [];
    } catch (err) {
      return (err as DataFileError).problems.map((p) => `${p.line}: ${p.path.join(".")}: ${p.message}`);
    }
  };

  it("is checked at load: URLs, Redis URLs, CIDRs, allowlist entries, login variables, limits", () => {
    expect(
      problems(
        [
          "targets:",
          "  a:",
          '    url: "not a url"',
          '    nodes: ["http://ok:8080/", "gopher://x/"]',
          '    redis: "http://x"',
          '    login: { method: POST, path: /login, form: { user: probe, password: "${SESSIONDOC_UNSET_PW}" } }',
          "    allowlist: [10.0.0.0/99]",
          'allowlist: ["*.example.com", "10.0.0.0/99", "https://h/app?x=1", "bad host"]',
          "limits: { probeTimeoutSeconds: 1e12, slots: 0 }",
        ].join("\n"),
      ),
    ).toEqual([
      "6: targets.a.login.form.password: environment variable SESSIONDOC_UNSET_PW is not set; export it before starting",
    ]);
    expect(
      problems(
        [
          "targets:",
          "  a:",
          '    url: "not a url"',
          '    nodes: ["http://ok:8080/", "gopher://x/"]',
          '    redis: "http://x"',
          "    allowlist: [10.0.0.0/99]",
          'allowlist: ["*.example.com", "10.0.0.0/99", "https://h/app?x=1", "bad host"]',
          "limits: { probeTimeoutSeconds: 1e12, slots: 0 }",
        ].join("\n"),
      ),
    ).toEqual([
      '3: targets.a.url: "not a url" is not a URL; write it as https://host[:port]/',
      '4: targets.a.nodes.1: "gopher://x/" must be an http:// or https:// URL',
      "5: targets.a.redis: not a Redis URL: expected redis://[user:pass@]host:port[/db], rediss://…, redis+sentinel://…/master or redis+cluster://…",
      '6: targets.a.allowlist.0: "10.0.0.0/99" is not a valid CIDR range (e.g. 10.0.0.0/8, fd00::/8; IPv4 prefixes are 0–32, IPv6 0–128)',
      '7: allowlist.1: "10.0.0.0/99" is not a valid CIDR range (e.g. 10.0.0.0/8, fd00::/8; IPv4 prefixes are 0–32, IPv6 0–128)',
      '7: allowlist.2: "https://h/app?x=1": a URL prefix has no credentials, query or fragment',
      '7: allowlist.3: "bad host" is not a host name, *.domain, address, CIDR or http(s):// URL prefix',
      "8: limits.probeTimeoutSeconds: at most 600 s",
      "8: limits.slots: Too small: expected number to be >=1",
    ]);
  });
});

describe("the memory store", () => {
  it("expires records, thread names and idempotency keys, and gives their memory back", async () => {
    const store = new MemoryStore({ ttlSeconds: 0.2 });
    const { record } = await engineWith({ store }).start({ flowId: "session-replication" }, { targets: { nodes: [] } });
    expect(await store.get(record.id)).toBeDefined();
    for (let i = 0; i < 1000; i++) {
      await store.firstTime(`event:${i}`, 0.2);
      await store.alias(`thread:C:${i}`, `d${i}`);
    }
    expect(await store.firstTime("event:1", 3600)).toBe(false);
    expect(await store.resolve("thread:C:1")).toBe("d1");
    await new Promise((r) => setTimeout(r, 1_300));
    expect(await store.resolve("thread:C:1")).toBeUndefined();
    expect(await store.firstTime("event:1", 3600)).toBe(true);
    expect(await store.recent(10)).toEqual([]);
    expect(await store.get(record.id)).toBeUndefined();
    expect(store.size).toBeLessThan(10);
  });
});

describe("bounded work", () => {
  it("an HTTP request to a trickling server ends at its overall deadline, not at an idle timeout", async () => {
    const client = new HttpClient(createPolicy(["127.0.0.1"]), { ...DEFAULT_HTTP_LIMITS, requestTimeoutMs: 1_000 });
    const started = Date.now();
    await expect(client.fetch(`${trickle.url}/`)).rejects.toThrow(/did not finish answering within 1 s/);
    expect(Date.now() - started).toBeLessThan(1_500);
    await client.close();
  });

  it("a probe that ignores its signal is abandoned at its deadline", async () => {
    const deaf: Probe = {
      name: "test.deaf",
      description: "never settles, whatever it is told",
      needs: [],
      facts: {},
      findings: {},
      plan: () => [],
      run: () => new Promise(() => undefined),
    };
    const run = makeProbeRunner({
      registry: probeRegistry([deaf]),
      targets: { nodes: [] },
      log: quietLog,
      timeoutMs: 300,
    });
    const started = Date.now();
    const out = await run({ node: "n", probe: "test.deaf", params: {} } as never, {}, new AbortController().signal);
    expect(out).toMatchObject({ status: "failed", error: "did not finish within 0.3 s and was abandoned" });
    expect(Date.now() - started).toBeLessThan(1_000);
    const late = makeProbeRunner({
      registry: probeRegistry([deaf]),
      targets: { nodes: [] },
      log: quietLog,
      deadline: Date.now() - 1,
    });
    expect(
      await late({ node: "n", probe: "test.deaf", params: {} } as never, {}, new AbortController().signal),
    ).toMatchObject({
      status: "failed",
      error: "not run: the diagnosis time limit was reached",
    });
  });
});
