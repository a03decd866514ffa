import { spawnSync } from "node:child_process";
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
