import { spawn, spawnSync } from "node:child_process";
import { vi } from "vitest";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("../..", import.meta.url));

/** Runs the built CLI the way a user does, through the package's bin. */
export function sessiondoc(args: string[], opts: { input?: string; env?: Record<string, string> } = {}) {
  const r = spawnSync("node", ["bin/sessiondoc.js", ...args], {
    cwd: root,
    encoding: "utf8",
    input: opts.input ?? "",
    timeout: 60_000,
    env: { ...process.env, ...opts.env },
  });
  let json: unknown;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    json = undefined;
  }
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json };
}

/** The same, without blocking this process: for tests whose servers run in it (a slow target, say). */
export function sessiondocAsync(
  args: string[],
  opts: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn("node", ["bin/sessiondoc.js", ...args], {
      cwd: root,
      env: { ...process.env, ...opts.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/**
 * The same commands run inside the test process: what the bin adds is only the process around `main`, and a node
 * start per case is most of the suite's CPU. Output is captured, so callers in one file must not overlap.
 */
export async function sessiondocInProcess(args: string[]) {
  const { main } = await import("../../src/main.js");
  let stdout = "";
  let stderr = "";
  const out = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => ((stderr += String(chunk)), true));
  let code: number;
  try {
    code = await main(["node", "sessiondoc", ...args]);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    json = undefined;
  }
  return { code, stdout, stderr, json };
}
