// The Express stand-in under node's cluster module, as PM2 or a hand-written cluster runs it: WORKERS processes
// share one port, the primary handing each new connection to the next worker (round robin), and every worker has
// memory of its own, a MemoryStore included. A browser's kept-alive connection stays with one worker; its next
// connection may reach another. The other variables are session-app.mjs's.
import cluster from "node:cluster";
import { fileURLToPath } from "node:url";

cluster.setupPrimary({ exec: fileURLToPath(new URL("./session-app.mjs", import.meta.url)) });
for (let i = 0; i < Number(process.env.WORKERS ?? 2); i++) cluster.fork();
// A worker that dies is not replaced: a lab node is either whole or visibly broken.
process.on("SIGTERM", () => {
  for (const worker of Object.values(cluster.workers ?? {})) worker?.kill();
  process.exit(0);
});
