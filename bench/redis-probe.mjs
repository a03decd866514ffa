// The Redis probes' cost against 10 000 and 1 000 000 session keys, and a full SCAN of the keyspace for reference.
// Uses the built code (npm run build) and a private redis-server on a free loopback port.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { redisInfoProbe, redisSessionsProbe } from "../dist/probes/redis/index.js";
import { createLogger } from "../dist/log.js";

const log = createLogger({ level: "silent", pretty: false });

async function freePort() {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function startRedis() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "sessiondoc-bench-"));
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  await new Promise((resolve) => child.stdout.on("data", (d) => String(d).includes("Ready to accept") && resolve()));
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop: () => (child.kill(), rmSync(dir, { recursive: true, force: true })),
  };
}

/** Fills the store with `count` connect-redis-style session keys (JSON strings with a TTL) through redis-cli --pipe. */
function fill(port, count) {
  const value = JSON.stringify({
    cookie: { originalMaxAge: null, httpOnly: true, path: "/" },
    userId: "u-1",
    cart: [1, 2, 3],
  });
  const chunks = [];
  for (let i = 0; i < count; i++) {
    const key = `sess:${i.toString(36).padStart(8, "0")}bench`;
    chunks.push(
      `*5\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$${value.length}\r\n${value}\r\n$2\r\nEX\r\n$4\r\n1800\r\n`,
    );
  }
  const r = spawnSync("redis-cli", ["-p", String(port), "--pipe"], { input: chunks.join(""), maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`redis-cli --pipe failed: ${r.stderr}`);
}

async function timeProbe(probe, url) {
  const runs = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    const out = await probe.run({
      targets: { nodes: [], redis: url },
      params: {},
      facts: { "idle-timeout": "30m" },
      signal: AbortSignal.timeout(60_000),
      log,
      handoff: new Map(),
    });
    const ms = performance.now() - started;
    const cost = out.findings.find((f) => f.id === "cost");
    runs.push({ ms, commands: cost?.data?.commands ?? "-" });
  }
  runs.sort((a, b) => a.ms - b.ms);
  return runs[1];
}

async function fullScan(url) {
  const redis = new Redis(url);
  const started = performance.now();
  let cursor = "0";
  let calls = 0;
  let keys = 0;
  do {
    const [next, batch] = await redis.scan(cursor, "MATCH", "sess:*", "COUNT", 1000);
    cursor = next;
    calls++;
    keys += batch.length;
  } while (cursor !== "0");
  redis.disconnect();
  return { ms: performance.now() - started, calls, keys };
}

export async function benchRedisProbe() {
  const rows = [];
  for (const count of [10_000, 1_000_000]) {
    const server = await startRedis();
    try {
      fill(server.port, count);
      const sessions = await timeProbe(redisSessionsProbe, server.url);
      const info = await timeProbe(redisInfoProbe, server.url);
      const scan = await fullScan(server.url);
      rows.push({ count, sessions, info, scan });
    } finally {
      server.stop();
    }
  }
  console.log("\nRedis probe cost (median of 3 runs)");
  console.log("session keys | redis.sessions ms | commands | redis.info ms | full SCAN ms (calls)");
  for (const r of rows) {
    console.log(
      `${String(r.count).padStart(12)} | ${r.sessions.ms.toFixed(1).padStart(17)} | ${String(r.sessions.commands).padStart(8)} | ${r.info.ms.toFixed(1).padStart(13)} | ${r.scan.ms.toFixed(0)} (${r.scan.calls})`,
    );
  }
  const [small, large] = rows;
  console.log(
    `ratio 1M / 10k: redis.sessions time ×${(large.sessions.ms / small.sessions.ms).toFixed(2)}, commands ×${(large.sessions.commands / small.sessions.commands).toFixed(2)}; full SCAN time ×${(large.scan.ms / small.scan.ms).toFixed(0)}`,
  );
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) await benchRedisProbe();
