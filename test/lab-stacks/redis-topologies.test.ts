import { Redis } from "ioredis";
import { createClient } from "redis";
import { describe, expect, it } from "vitest";
import { RedisSpec } from "../../src/lab/schema.js";
import { startStore, type LabStore } from "../../src/lab/store.js";

async function withStore(spec: unknown, fn: (store: LabStore) => Promise<void>): Promise<void> {
  const store = await startStore(RedisSpec.parse(spec), {});
  try {
    await fn(store);
  } finally {
    await Promise.all(store.parts.map((p) => p.stop()));
  }
}

async function ask(port: number, ...command: string[]): Promise<unknown> {
  const redis = new Redis(port, "127.0.0.1");
  try {
    return await redis.call(command[0]!, ...command.slice(1));
  } finally {
    redis.disconnect();
  }
}

/** A client that ignores the topology: one address, as a team that does not know about Sentinel or Cluster has it. */
async function plainClient(url: string) {
  const client = createClient({ url });
  client.on("error", () => {});
  await client.connect();
  return client;
}

describe("the lab's Redis topologies", () => {
  it("Sentinel fails over for real: the replica is promoted and the old master follows it, refusing writes", async () => {
    await withStore({ topology: "sentinel", failover: true }, async (store) => {
      const sentinel = store.info.sentinel!;
      const oldMaster = store.info.port;
      expect(store.probeUrl).toBe(`redis+sentinel://127.0.0.1:${sentinel.sentinels[0]!.port}/${sentinel.name}`);
      expect(await ask(sentinel.sentinels[0]!.port, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", sentinel.name)).toEqual([
        "127.0.0.1",
        String(oldMaster),
      ]);
      const app = await plainClient(store.info.url);
      try {
        await app.set("sess:before", "signed in");

        await store.afterSignIns!();

        const [, port] = (await ask(
          sentinel.sentinels[0]!.port,
          "SENTINEL",
          "GET-MASTER-ADDR-BY-NAME",
          sentinel.name,
        )) as [string, string];
        expect(Number(port)).not.toBe(oldMaster);
        expect(((await ask(Number(port), "ROLE")) as unknown[])[0]).toBe("master");
        expect(((await ask(oldMaster, "ROLE")) as unknown[]).slice(0, 4)).toEqual([
          "slave",
          "127.0.0.1",
          Number(port),
          "connected",
        ]);
        // The app's client reconnects to the same address: reads still work, writes are refused.
        expect(await app.get("sess:before")).toBe("signed in");
        await expect(app.set("sess:after", "signed in")).rejects.toThrow(
          "READONLY You can't write against a read only replica",
        );
      } finally {
        app.destroy();
      }
    });
  });

  it("Cluster: three masters share the slots; a plain client gets MOVED for keys served by the other nodes", async () => {
    await withStore({ topology: "cluster" }, async (store) => {
      const ports = store.info.cluster!.nodes.map((n) => n.port);
      expect(ports).toHaveLength(3);
      expect(store.probeUrl).toBe(`redis+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(",")}`);
      for (const port of ports) {
        const info = String(await ask(port, "CLUSTER", "INFO"));
        expect(info).toContain("cluster_state:ok");
        expect(info).toContain("cluster_slots_assigned:16384");
        expect(info).toContain("cluster_known_nodes:3");
      }
      const app = await plainClient(store.info.url);
      try {
        const outcomes = await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            app.set(`sess:${i}`, "signed in").then(
              () => "stored here",
              (err: Error) => err.message,
            ),
          ),
        );
        const moved = [...outcomes.entries()].filter(([, o]) => o !== "stored here");
        expect(outcomes).toContain("stored here");
        expect(moved.length).toBeGreaterThan(0);
        for (const [i, reply] of moved) {
          const [, slot, port] = /^MOVED (\d+) 127\.0\.0\.1:(\d+)$/.exec(reply) ?? [];
          expect(ports.slice(1), reply).toContain(Number(port));
          // The node it names serves the key's slot and takes it.
          expect(String(await ask(Number(port), "CLUSTER", "KEYSLOT", `sess:${i}`))).toBe(slot);
          expect(await ask(Number(port), "SET", `sess:${i}`, "signed in")).toBe("OK");
        }
      } finally {
        app.destroy();
      }
    });
  });
});
