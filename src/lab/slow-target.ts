import { createServer, type ServerResponse } from "node:http";
import type { Socket } from "node:net";

export type SlowTarget = {
  url: string;
  port: number;
  /** Requests received so far, on any path. */
  readonly requests: number;
  stop(): Promise<void>;
};

/**
 * A web app that holds its clients: `hang` accepts and never answers; `trickle` answers at once (a session cookie,
 * an affinity cookie, 200) and then sends its body one byte every `intervalMs`, for ever — a slow backend that no
 * idle timeout catches. Every request, on any path, gets the same treatment. For tests and the bench, on loopback.
 */
export async function startSlowTarget(
  mode: "hang" | "trickle",
  opts: { intervalMs?: number } = {},
): Promise<SlowTarget> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const trickle = (res: ServerResponse) => {
    res.writeHead(200, {
      "content-type": "text/html",
      "set-cookie": ["connect.sid=s%3Atrickle.sig; Path=/; HttpOnly", "SERVERID=slow1; Path=/"],
    });
    const timer = setInterval(() => res.write("."), opts.intervalMs ?? 1000);
    timers.add(timer);
    res.on("close", () => {
      clearInterval(timer);
      timers.delete(timer);
    });
  };
  let requests = 0;
  const server = createServer((_req, res) => {
    requests++;
    if (mode === "trickle") trickle(res);
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    stop: () =>
      new Promise((resolve) => {
        for (const t of timers) clearInterval(t);
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
