import { projectPath } from "../../paths.js";
import { clockShift, startServer, type StartOptions } from "../processes.js";
import type { AppNode, AppStack } from "./types.js";

export const EXPRESS_APP = projectPath("lab", "apps", "express", "session-app.mjs");

/** The Express stand-in as its own process; `clockOffset` ("-3h") shifts its clock with libfaketime. */
export async function startExpress(
  env: Record<string, string> = {},
  opts: StartOptions & { clockOffset?: string } = {},
): Promise<AppNode> {
  const running = await startServer(
    "the Express app",
    (port) => ({
      command: process.execPath,
      args: [EXPRESS_APP],
      env: {
        ...process.env,
        PORT: String(port),
        NODE_NAME: env.NODE_NAME ?? `node-${port}`,
        ...clockShift(opts.clockOffset),
        ...env,
      },
    }),
    opts,
  );
  return {
    ...running,
    name: env.NODE_NAME ?? `node-${running.port}`,
    route: env.JVMROUTE || undefined,
    sessionCookie: env.JVMROUTE === undefined ? "connect.sid" : "JSESSIONID",
  };
}

/** Express with express-session: the variables are documented at the top of lab/apps/express/session-app.mjs. */
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
  start: (node, ctx) =>
    startExpress(
      {
        NODE_NAME: node.name,
        ...(node.env.STORE === "redis" && ctx.store ? { REDIS_URL: ctx.store.url } : {}),
        ...node.env,
      },
      { detached: ctx.detached, clockOffset: node.clockOffset },
    ),
};
