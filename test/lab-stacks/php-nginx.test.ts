import { readFileSync } from "node:fs";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNginx } from "../../src/lab/balancers/nginx.js";
import { scratchDir, startRedis, type Running } from "../../src/lab/processes.js";
import { LabClient } from "../../src/lab/proof.js";
import { phpStack } from "../../src/lab/stacks/php.js";
import type { AppNode, StoreInfo } from "../../src/lab/stacks/types.js";

const running: Running[] = [];
let store: StoreInfo;
let redis: Redis;

beforeAll(async () => {
  const server = await startRedis();
  running.push(server);
  store = { host: "127.0.0.1", port: server.port, url: server.url };
  redis = new Redis(server.url);
});

afterAll(async () => {
  redis?.disconnect();
  await Promise.all(running.map((r) => r.stop()));
});

async function phpNodes(env: Record<string, string>, count = 2): Promise<AppNode[]> {
  const sharedDir = scratchDir("php-test");
  const nodes = await Promise.all(
    Array.from({ length: count }, (_, i) => phpStack.start({ index: i, name: `n${i + 1}`, env }, { store, sharedDir })),
  );
  running.push(...nodes);
  return nodes;
}

/** How many requests for `path` each node has logged. */
function served(nodes: AppNode[], path: string): number[] {
  return nodes.map(
    (n) =>
      readFileSync(n.logFile!, "utf8")
        .split("\n")
        .filter((l) => l.endsWith(` GET ${path}`)).length,
  );
}

describe("the PHP stack", () => {
  it("signs in with a new PHPSESSID, stored by phpredis under the prefix with the gc_maxlifetime TTL", async () => {
    const [node] = await phpNodes({ SAVE_HANDLER: "redis", PREFIX: "t:sess:", GC_MAXLIFETIME: "300" }, 1);
    const client = new LabClient();
    const anonymous = await client.request(`${node!.url}/account.php`);
    expect(anonymous.body).toMatch(/Please sign in[\s\S]*name="csrf_token" value="[0-9a-f]{32}"/);
    const before = client.cookies.get("PHPSESSID");
    expect(before).toMatch(/^[0-9a-v]{26}$/);

    await client.signIn(node!.url, phpStack.paths);
    const id = client.cookies.get("PHPSESSID")!;
    expect(id).not.toBe(before);
    expect(await redis.exists(`t:sess:${before}`)).toBe(0);
    const ttl = await redis.ttl(`t:sess:${id}`);
    expect(ttl).toBeGreaterThan(290);
    expect(ttl).toBeLessThanOrEqual(300);

    const res = await fetch(`${node!.url}/account.php`, { headers: { cookie: `PHPSESSID=${id}` } });
    expect(await res.text()).toContain("Signed in as demo");
    // php -S echoes the request's Host: a header that differs between nodes without naming them.
    expect(res.headers.get("host")).toBe(`127.0.0.1:${node!.port}`);
  });

  it("keeps sessions in the node's own folder with the files handler: another node does not know them", async () => {
    const nodes = await phpNodes({ SAVE_HANDLER: "files" });
    const client = new LabClient();
    await client.signIn(nodes[0]!.url, phpStack.paths);
    expect((await client.request(`${nodes[0]!.url}/account.php`)).body).toContain("Signed in as demo");
    expect((await client.request(`${nodes[1]!.url}/account.php`)).body).toContain("Please sign in");
  });
});

describe("nginx in front of PHP", () => {
  it("spreads requests round robin, and hashing on the session cookie keeps each user on one node", async () => {
    // A cookie name nginx cannot spell as $cookie_…: the sticky hash reads it through a map.
    const nodes = await phpNodes({ SAVE_HANDLER: "redis", SESSION_NAME: "app-sess" });
    const backends = nodes.map((n) => ({ name: n.name, port: n.port, sessionCookie: n.sessionCookie }));
    const [roundRobin, sticky] = await Promise.all([startNginx(backends), startNginx(backends, { sticky: true })]);
    running.push(roundRobin, sticky);

    for (let i = 0; i < 8; i++) await fetch(`${roundRobin.url}/health.php`).then((r) => r.text());
    expect(served(nodes, "/health.php")).toEqual([4, 4]);

    const homes = new Set<number>();
    for (let user = 0; user < 16; user++) {
      const client = new LabClient();
      await client.signIn(sticky.url, phpStack.paths);
      expect(client.cookies.has("app-sess")).toBe(true);
      const before = served(nodes, "/account.php");
      for (let i = 0; i < 4; i++)
        expect((await client.request(`${sticky.url}/account.php`)).body).toContain("Signed in as demo");
      const after = served(nodes, "/account.php");
      const counts = after.map((n, i) => n - before[i]!);
      expect(
        counts.filter((c) => c > 0),
        `user ${user}: ${counts}`,
      ).toEqual([4]);
      homes.add(counts.indexOf(4));
    }
    // Different users hash to different nodes: the key is the cookie's value, not a constant.
    expect(homes.size).toBe(2);
  });

  it("has a cache zone for proxy_cache in the server block", async () => {
    const nodes = await phpNodes({ SAVE_HANDLER: "files" }, 1);
    const cache = await startNginx(
      nodes.map((n) => ({ name: n.name, port: n.port })),
      { frontLines: ["proxy_cache app;", "proxy_cache_valid 200 1m;", "add_header X-Cache $upstream_cache_status;"] },
    );
    running.push(cache);
    const status = async () => (await fetch(`${cache.url}/health.php`)).headers.get("x-cache");
    expect([await status(), await status()]).toEqual(["MISS", "HIT"]);
    expect(served(nodes, "/health.php")).toEqual([1]);
  });
});
