import { readFileSync } from "node:fs";
import { join } from "node:path";
import { projectPath } from "../../paths.js";
import { clockShift, scratchDir, startServer, type StartOptions } from "../processes.js";
import type { AppNode, AppStack, StoreInfo } from "./types.js";

export const EXPRESS_APP = projectPath("lab", "apps", "express", "session-app.mjs");
/** The same app under node's cluster module, with `WORKERS` processes (each with its own memory). */
const EXPRESS_CLUSTER = projectPath("lab", "apps", "express", "cluster.mjs");

/** The Express stand-in as its own process, its output kept in a log; `clockOffset` ("-3h") shifts its clock. */
export async function startExpress(
  env: Record<string, string> = {},
  opts: StartOptions & { clockOffset?: string } = {},
): Promise<AppNode> {
  const running = await startServer(
    "the Express app",
    (port) => {
      const dir = scratchDir("express");
      return {
        command: process.execPath,
        args: [env.WORKERS ? EXPRESS_CLUSTER : EXPRESS_APP],
        env: {
          ...process.env,
          PORT: String(port),
          NODE_NAME: env.NODE_NAME ?? `node-${port}`,
          ...clockShift(opts.clockOffset),
          ...env,
        },
        cleanup: dir,
        logFile: join(dir, "app.log"),
      };
    },
    opts,
  );
  // Under the cluster module the port answers once the first worker listens: wait for every worker, or the first
  // requests all reach one worker and a node that keeps sessions per process looks as if it kept them.
  if (env.WORKERS) await untilLogged(running, /^listening /m, Number(env.WORKERS));
  return {
    ...running,
    name: env.NODE_NAME ?? `node-${running.port}`,
    route: env.JVMROUTE || undefined,
    sessionCookie: env.JVMROUTE === undefined ? "connect.sid" : "JSESSIONID",
  };
}

async function untilLogged(running: Awaited<ReturnType<typeof startServer>>, line: RegExp, times: number) {
  const deadline = Date.now() + 15_000;
  const count = () => readFileSync(running.logFile!, "utf8").match(new RegExp(line, "gm"))?.length ?? 0;
  while (count() < times) {
    if (Date.now() > deadline) {
      const listened = count();
      await running.stop();
      throw new Error(`only ${listened} of ${times} workers listened within 15 s`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

const addresses = (list: Array<{ host: string; port: number }>) => list.map((a) => `${a.host}:${a.port}`).join(",");

/** Where the kind of client a node's `STORE` names finds the scenario's store. */
function storeEnv(kind: string | undefined, store: StoreInfo | undefined): Record<string, string> {
  if (!store) return {};
  switch (kind) {
    case "redis":
      return { REDIS_URL: store.url };
    case "redis-sentinel":
      if (!store.sentinel) throw new Error("STORE=redis-sentinel needs a store of topology sentinel");
      return { REDIS_SENTINELS: addresses(store.sentinel.sentinels), REDIS_SENTINEL_NAME: store.sentinel.name };
    case "redis-cluster":
      if (!store.cluster) throw new Error("STORE=redis-cluster needs a store of topology cluster");
      return { REDIS_CLUSTER: addresses(store.cluster.nodes) };
    default:
      return {};
  }
}

/**
 * Express with express-session: the variables are documented at the top of lab/apps/express/session-app.mjs;
 * `WORKERS` runs it under node's cluster module (lab/apps/express/cluster.mjs).
 */
export const expressStack: AppStack = {
  kind: "express",
  title: "Node.js / Express (express-session)",
  packages: [],
  paths: {
    session: "/login",
    check: "/me",
    health: "/health",
    signedIn: (status, body) => status === 200 && (body.includes('"user"') || body.includes("Signed in as")),
  },
  start: async (node, ctx) =>
    startExpress(
      { NODE_NAME: node.name, ...storeEnv(node.env.STORE, ctx.store), ...node.env },
      { detached: ctx.detached, clockOffset: node.clockOffset },
    ),
};
