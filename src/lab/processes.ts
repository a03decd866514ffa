import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { projectPath } from "../paths.js";
import { SIGNING_SECRET as SLACK_TEST_SIGNING_SECRET } from "./slack-requests.js";

/** A server the lab (or a test) started on a loopback port. */
export type Running = {
  port: number;
  url: string;
  pid: number;
  /** A temporary folder it owns. */ dir?: string;
  stop(): Promise<void>;
};

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

type StartOptions = { detached?: boolean; cleanup?: string };

function launch(command: string, args: string[], env: NodeJS.ProcessEnv, opts: StartOptions): ChildProcess {
  const spawnOpts: SpawnOptions = { env, stdio: "ignore", detached: opts.detached };
  const child = spawn(command, args, spawnOpts);
  if (opts.detached) child.unref();
  return child;
}

function stopper(child: ChildProcess, cleanup?: string): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      const done = () => {
        if (cleanup) rmSync(cleanup, { recursive: true, force: true });
        resolve();
      };
      if (child.exitCode !== null || child.signalCode !== null) return done();
      child.once("exit", done);
      child.kill("SIGKILL");
    });
}

async function waitForPort(port: number, child: ChildProcess, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const s = connect(port, "127.0.0.1", () => (s.end(), resolve(true)));
      s.on("error", () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`${what} did not listen on port ${port} within 10 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function started(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  port: number,
  what: string,
  opts: StartOptions,
  scheme = "http",
): Promise<Running> {
  const child = launch(command, args, env, opts);
  try {
    await waitForPort(port, child, what);
  } catch (err) {
    await stopper(child, opts.cleanup)();
    throw err;
  }
  return {
    port,
    url: `${scheme}://127.0.0.1:${port}`,
    pid: child.pid!,
    dir: opts.cleanup,
    stop: stopper(child, opts.cleanup),
  };
}

/** A real redis-server with its own data folder; `args` are extra config options (`--maxmemory 2mb` …). */
export async function startRedis(args: string[] = [], opts: StartOptions = {}): Promise<Running> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "sessiondoc-redis-"));
  const argv = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    dir,
    ...args,
  ];
  return started("redis-server", argv, process.env, port, "redis-server", { ...opts, cleanup: dir }, "redis");
}

/** libfaketime's multi-threaded library (Node runs threads), wherever Debian put it for this architecture. */
function faketimeLibrary(): string {
  for (const dir of readdirSync("/usr/lib").filter((d) => d.endsWith("-linux-gnu"))) {
    const lib = join("/usr/lib", dir, "faketime", "libfaketimeMT.so.1");
    if (existsSync(lib)) return lib;
  }
  throw new Error("libfaketime is not installed (apt-get install faketime)");
}

export const APP = projectPath("lab", "apps", "session-app.mjs");

/** The stand-in Express app as its own process; `clockOffset` ("-3h") shifts its clock with libfaketime. */
export async function startApp(
  env: Record<string, string> = {},
  opts: StartOptions & { clockOffset?: string } = {},
): Promise<Running> {
  const port = await freePort();
  const clock = opts.clockOffset
    ? { LD_PRELOAD: faketimeLibrary(), FAKETIME: opts.clockOffset, FAKETIME_DONT_FAKE_MONOTONIC: "1" }
    : {};
  const fullEnv = { ...process.env, PORT: String(port), NODE_NAME: env.NODE_NAME ?? `node-${port}`, ...clock, ...env };
  return started(process.execPath, [APP], fullEnv, port, "the app", opts);
}

export type BalancerOptions = {
  sticky?: boolean;
  healthChecks?: boolean;
  forwardedProto?: string;
  backendLines?: string[];
};

/** A real HAProxy in front of the backends: round robin, optionally with cookie stickiness and health checks. */
export async function startHaproxy(
  backends: Array<{ port: number; name: string }>,
  opts: BalancerOptions & StartOptions = {},
): Promise<Running> {
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
    ...(opts.backendLines ?? []).map((l) => `  ${l}`),
    ...backends.map(
      (b) =>
        `  server ${b.name} 127.0.0.1:${b.port}${opts.sticky ? ` cookie ${b.name}` : ""}${opts.healthChecks ? " check" : ""}`,
    ),
    "",
  ].join("\n");
  const file = join(dir, "haproxy.cfg");
  writeFileSync(file, config);
  return started("haproxy", ["-f", file, "-db"], process.env, port, "haproxy", { ...opts, cleanup: dir });
}

export type SlackApp = { url: string; port: number; process: ChildProcess; logs: string[]; stop(): Promise<void> };

const BIN = projectPath("bin", "sessiondoc.js");

/** Starts the real app as `sessiondoc slack`, pointed at the fake Web API; ready when /healthz answers (HTTP mode) or `ready()` says so (Socket Mode). */
export async function startSlackApp(
  fake: { url: string },
  env: Record<string, string> = {},
  args: string[] = ["slack"],
  ready?: () => boolean,
): Promise<SlackApp> {
  const port = await freePort();
  const logs: string[] = [];
  const child = spawn(process.execPath, [BIN, ...args], {
    env: {
      ...process.env,
      SLACK_BOT_TOKEN: "xoxb-test-token",
      SLACK_SIGNING_SECRET: SLACK_TEST_SIGNING_SECRET,
      SLACK_API_URL: fake.url,
      PORT: String(port),
      LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  child.stderr!.on("data", (d: Buffer) => logs.push(...d.toString().split("\n").filter(Boolean)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the app exited: ${logs.join("\n")}`);
    const ok = ready
      ? ready()
      : await fetch(`${url}/healthz`).then(
          (r) => r.ok,
          () => false,
        );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`the app did not start: ${logs.join("\n")}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    port,
    process: child,
    logs,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGKILL");
      }),
  };
}
