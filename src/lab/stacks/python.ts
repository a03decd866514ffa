import { join } from "node:path";
import { clockShift, scratchDir, startServer, type StartOptions } from "../processes.js";
import type { AppNode } from "./types.js";

/** Debian's Python, which has python3-flask and python3-django (another python3 on PATH may lack them). */
export const PYTHON = "/usr/bin/python3";

export type PythonAppOptions = StartOptions & { name?: string; clockOffset?: string };

/**
 * A one-file Python web app as its own process on a loopback port (given as PORT). Its output is kept in a log file,
 * unbuffered: what the framework logs (a corrupted session, say) is evidence an engineer would paste.
 */
export async function startPythonApp(
  kind: string,
  script: string,
  env: Record<string, string>,
  opts: PythonAppOptions = {},
): Promise<AppNode> {
  const running = await startServer(
    `the ${kind} app`,
    (port) => {
      const dir = scratchDir(kind);
      return {
        command: PYTHON,
        args: [script],
        env: { ...process.env, PYTHONUNBUFFERED: "1", PORT: String(port), ...clockShift(opts.clockOffset), ...env },
        cleanup: dir,
        logFile: join(dir, "app.log"),
        // Alone it listens in under a second; several scenarios starting at once on two cores take longer.
        startupMs: 30_000,
      };
    },
    opts,
  );
  return { ...running, name: opts.name ?? `${kind}-${running.port}` };
}
