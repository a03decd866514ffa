import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./redis.js";

const APP = fileURLToPath(new URL("../../lab/apps/session-app.mjs", import.meta.url));

export type Running = { port: number; url: string; process: ChildProcess; stop(): Promise<void> };

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGKILL");
    });
}

async function waitForPort(port: number, child: ChildProcess, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const s = connect(port, "127.0.0.1", () => (s.end(), resolve(true)));
      s.on("error", () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`${what} did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts the stand-in Express app as its own process; `clockOffset` (e.g. "-3h") runs it under faketime. */
export async function startApp(env: Record<string, string> = {}, opts: { clockOffset?: string } = {}): Promise<Running> {
  const port = await freePort();
  const argv = opts.clockOffset ? ["faketime", ["-f", opts.clockOffset, process.execPath, APP]] : [process.execPath, [APP]];
  const child = spawn(argv[0] as string, argv[1] as string[], {
    env: { ...process.env, PORT: String(port), NODE_NAME: env.NODE_NAME ?? `node-${port}`, FAKETIME_DONT_FAKE_MONOTONIC: "1", ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  await waitForPort(port, child, "the app");
  return { port, url: `http://127.0.0.1:${port}`, process: child, stop: stopper(child) };
}

export type HaproxyBackend = { port: number; name: string };

/** Starts a real HAProxy in front of the backends: round robin, optionally with cookie stickiness and health checks. */
export async function startHaproxy(backends: HaproxyBackend[], opts: { sticky?: boolean; healthChecks?: boolean; forwardedProto?: string } = {}): Promise<Running> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "sessiondoc-haproxy-"));
  const config = [
    "global",
    "  maxconn 200",
    "defaults",
    "  mode http",
    "  timeout connect 2s",
    "  timeout client 10s",
    "  timeout server 10s",
    "frontend fe",
    `  bind 127.0.0.1:${port}`,
    "  default_backend app",
    "backend app",
    "  balance roundrobin",
    ...(opts.sticky ? ["  cookie SRV insert indirect nocache"] : []),
    ...(opts.healthChecks ? ["  option httpchk GET /health", "  default-server inter 300 fall 1 rise 1"] : []),
    ...(opts.forwardedProto ? [`  http-request set-header X-Forwarded-Proto ${opts.forwardedProto}`] : []),
    ...backends.map((b) => `  server ${b.name} 127.0.0.1:${b.port}${opts.sticky ? ` cookie ${b.name}` : ""}${opts.healthChecks ? " check" : ""}`),
    "",
  ].join("\n");
  const file = join(dir, "haproxy.cfg");
  writeFileSync(file, config);
  const child = spawn("haproxy", ["-f", file, "-db"], { stdio: ["ignore", "ignore", "pipe"] });
  let errors = "";
  child.stderr!.on("data", (d: Buffer) => (errors += d.toString()));
  await waitForPort(port, child, `haproxy (${errors})`);
  return { port, url: `http://127.0.0.1:${port}`, process: child, stop: stopper(child) };
}
