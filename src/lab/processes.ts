import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
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
  /** A temporary folder it owns, removed when it stops. */
  dir?: string;
  /** Where its stdout and stderr go, when kept (app logs are evidence in some scenarios). */
  logFile?: string;
  stop(): Promise<void>;
};

// Ports handed out by this process recently: parallel starts in one process never race for the same port.
const handedOut = new Set<number>();

export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.unref();
      srv.on("error", reject);
      srv.listen(0, "127.0.0.1", () => {
        const { port } = srv.address() as { port: number };
        srv.close(() => resolve(port));
      });
    });
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    if (handedOut.size > 2000) handedOut.delete(handedOut.values().next().value!);
    return port;
  }
}

export type StartOptions = { detached?: boolean };

/** What to run once a port is chosen; `cleanup` is a folder the process owns. */
export type Launch = {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  cleanup?: string;
  /** Keep stdout and stderr in this file (otherwise they are discarded). */
  logFile?: string;
  /** The port to wait for, when it is not the one chosen (a balancer's admin port, say). */
  waitPort?: number;
  /** How long the server may take to listen (Tomcat and the JVM are slow on a busy machine). */
  startupMs?: number;
  scheme?: string;
};

function launch(l: Launch, opts: StartOptions): ChildProcess {
  const out = l.logFile ? openSync(l.logFile, "a") : "ignore";
  const spawnOpts: SpawnOptions = {
    env: l.env ?? process.env,
    cwd: l.cwd,
    stdio: ["ignore", out, out],
    detached: opts.detached,
  };
  const child = spawn(l.command, l.args, spawnOpts);
  if (typeof out === "number") closeSync(out);
  if (opts.detached) child.unref();
  return child;
}

/** Every process descended from `pid`, read from /proc. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid …": comm may hold spaces and parentheses.
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  for (let queue = [pid]; queue.length;) {
    const next = children.get(queue.shift()!) ?? [];
    found.push(...next);
    queue.push(...next);
  }
  return found;
}

/**
 * Kills a process and every process it forked. PHP's built-in server and nginx fork workers that keep serving
 * when only their parent is killed; the parent goes first, so it cannot fork a replacement.
 */
export function killTree(pid: number): void {
  const forked = descendants(pid);
  for (const p of [pid, ...forked]) {
    try {
      process.kill(p, "SIGKILL");
    } catch {
      // already gone
    }
  }
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
      killTree(child.pid!);
    });
}

class ExitedEarly extends Error {}

export async function waitForPort(port: number, child: ChildProcess, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new ExitedEarly(`${what} exited with code ${child.exitCode ?? child.signalCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const s = connect(port, "127.0.0.1", () => (s.end(), resolve(true)));
      s.on("error", () => resolve(false));
    });
    // Still ours: a process that failed to bind has exited by the time another one answers on its port.
    if (open && child.exitCode === null && child.signalCode === null) return;
    if (Date.now() > deadline) throw new Error(`${what} did not listen on port ${port} within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Starts a server on a free loopback port and waits until it listens. A port can be taken between choosing it
 * and the child binding it (parallel runs): the child then exits, and it is started again on another port.
 */
export async function startServer(
  what: string,
  build: (port: number) => Launch,
  opts: StartOptions = {},
): Promise<Running> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const l = build(port);
    const child = launch(l, opts);
    try {
      await waitForPort(l.waitPort ?? port, child, what, l.startupMs);
    } catch (err) {
      await stopper(child, l.cleanup)();
      if (err instanceof ExitedEarly && attempt < 3) continue;
      const log = l.logFile ? ` (log: ${l.logFile})` : "";
      throw new Error(`${(err as Error).message}${log}`, { cause: err });
    }
    return {
      port,
      url: `${l.scheme ?? "http"}://127.0.0.1:${port}`,
      pid: child.pid!,
      dir: l.cleanup,
      logFile: l.logFile,
      stop: stopper(child, l.cleanup),
    };
  }
}

/** A folder for one server's files, removed when it stops. */
export function scratchDir(what: string): string {
  return mkdtempSync(join(tmpdir(), `sessiondoc-${what}-`));
}

/** A real redis-server with its own data folder; `args` are extra config options (`--maxmemory 2mb` …). */
export async function startRedis(args: string[] = [], opts: StartOptions = {}): Promise<Running> {
  return startServer(
    "redis-server",
    (port) => {
      const dir = scratchDir("redis");
      return {
        command: "redis-server",
        args: redisArgs(port, dir, args),
        cleanup: dir,
        scheme: "redis",
      };
    },
    opts,
  );
}

/** The command line of a lab redis-server: no persistence unless `args` turn it on, data in `dir`. */
export function redisArgs(port: number, dir: string, args: string[]): string[] {
  return ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, ...args];
}

/** libfaketime's multi-threaded library (Node and the JVM run threads), wherever Debian put it. */
export function faketimeLibrary(): string {
  for (const dir of readdirSync("/usr/lib").filter((d) => d.endsWith("-linux-gnu"))) {
    const lib = join("/usr/lib", dir, "faketime", "libfaketimeMT.so.1");
    if (existsSync(lib)) return lib;
  }
  throw new Error("libfaketime is not installed (apt-get install faketime)");
}

/** Environment that shifts a process's clock by `offset` ("-3h", "+90s") with libfaketime. */
export function clockShift(offset: string | undefined): Record<string, string> {
  return offset ? { LD_PRELOAD: faketimeLibrary(), FAKETIME: offset, FAKETIME_DONT_FAKE_MONOTONIC: "1" } : {};
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
    if (Date.now() > deadline) {
      // Not left behind: a test that gives up on it would never stop it.
      child.kill("SIGKILL");
      throw new Error(`the app did not start: ${logs.join("\n")}`);
    }
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
