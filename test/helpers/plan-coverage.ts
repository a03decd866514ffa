import { createServer, type Server } from "node:http";
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import type { Redis } from "ioredis";
import { commandName } from "../../src/probes/redis/read-only.js";
import type { PlannedRequest } from "../../src/probes/types.js";

/** A request as the server saw it, with the redirect it answered, if any. */
export type LoggedRequest = { method: string; url: string; location?: string };

function matches(planned: string, sent: URL): boolean {
  const pattern = planned
    .split(/<[^>]+>/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("[^&/?]+");
  const href = planned.includes("?") ? sent.href : `${sent.origin}${sent.pathname}`;
  return new RegExp(`^${pattern}$`).test(href);
}

/**
 * Requests a probe sent that its plan does not declare: each must match a planned method and URL, or be a redirect a
 * planned request that follows redirects was answered with (and so on down the chain).
 */
export function undeclaredRequests(plan: PlannedRequest[], sent: LoggedRequest[]): LoggedRequest[] {
  const http = plan.filter((p) => p.kind === "http");
  const followed = new Set<string>();
  const undeclared: LoggedRequest[] = [];
  for (const r of sent) {
    const url = new URL(r.url);
    const entry = http.find((p) => p.method === r.method && matches(p.url, url));
    const redirected = followed.has(url.href);
    if (!entry && !redirected) undeclared.push(r);
    if (r.location && (entry?.followsRedirects || redirected)) followed.add(new URL(r.location, url).href);
  }
  return undeclared;
}

/** Commands counted in `INFO commandstats` after the probe that no planned command names. */
export function undeclaredCommands(plan: PlannedRequest[], counted: string[]): string[] {
  const declared = new Set(
    plan
      .filter((p) => p.kind === "redis")
      .map((p) => {
        const [command, ...args] = p.command.split(/\s+/);
        return commandName(command!, args);
      }),
  );
  return counted.filter((c) => !declared.has(c));
}

/** `cmdstat_client|setname:calls=1,…` → `CLIENT SETNAME` for each command with calls since the last reset. */
export async function commandsCounted(redis: Redis): Promise<Map<string, number>> {
  const text = String(await redis.info("commandstats"));
  const counted = new Map<string, number>();
  for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
    counted.set(m[1]!.replace("|", " ").toUpperCase(), Number(m[2]));
  return counted;
}

/**
 * A small session app on loopback: GET /login starts a session (a cookie, kept in memory shared by every instance,
 * as a shared store would), GET /account answers "signed in" with a valid session and redirects to /login without,
 * /healthz answers 200, and /socket.io/ speaks engine.io's polling handshake. Every request is logged.
 */
export async function startSessionApp(sessions = new Set<string>()) {
  const log: LoggedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
    const entry: LoggedRequest = { method: req.method ?? "GET", url: url.href };
    log.push(entry);
    req.resume();
    const sid = /(?:^|;\s*)app\.sid=([^;]+)/.exec(req.headers.cookie ?? "")?.[1];
    const send = (status: number, body: string, headers: Record<string, string> = {}) => {
      if (headers.location) entry.location = headers.location;
      res.writeHead(status, { "content-type": "text/html", "x-served-by": String(port), ...headers });
      res.end(body);
    };
    if (url.pathname === "/login") {
      const id = randomBytes(18).toString("base64url");
      sessions.add(id);
      return send(200, "<p>welcome</p>", { "set-cookie": `app.sid=${id}; Path=/; HttpOnly` });
    }
    if (url.pathname === "/account")
      return sid && sessions.has(sid) ? send(200, "<p>your account</p>") : send(302, "", { location: "/login" });
    if (url.pathname === "/healthz") return send(200, "ok");
    if (url.pathname === "/socket.io/") {
      if (url.searchParams.get("sid")) return send(200, "6", { "content-type": "text/plain" });
      const open = JSON.stringify({ sid: randomBytes(8).toString("hex"), upgrades: [], pingInterval: 25000 });
      return send(200, `0${open}`, { "content-type": "text/plain" });
    }
    send(404, "not found");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    log,
    sessions,
    stop: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}
