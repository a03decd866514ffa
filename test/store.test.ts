import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, inject, it } from "vitest";
import { MemoryStore } from "../src/store/memory.js";
import { RedisStore } from "../src/store/redis.js";
import type { DiagnosisStore } from "../src/store/types.js";
import { answersFrom, comparable, engineWith, reportOf, shipped } from "./helpers/engine.js";
import { startRedis } from "./helpers/redis.js";

const main = shipped.flows.get("session-replication")!;
const redisUrl = inject("redisUrl");
const answers = {
  symptom: "lost-after-failover",
  stack: "express",
  architecture: "external-store",
  "lb-sticky": "no",
  "cookie-sent": "yes",
};
const child = new URL("./helpers/continue-in-child.mjs", import.meta.url).pathname;
const stores: DiagnosisStore[] = [];
afterAll(async () => Promise.all(stores.map((s) => s.close())));

function redisStore(opts: Partial<ConstructorParameters<typeof RedisStore>[0]> = {}) {
  const store = new RedisStore({ url: redisUrl, prefix: `test-${randomUUID()}:`, ...opts });
  stores.push(store);
  return store;
}

/** A diagnosis stopped at its second question, whichever that is. */
async function startedHalfway(store: DiagnosisStore) {
  let asked = 0;
  return engineWith({ store }).start({ flowId: main.flow.id }, { targets: { nodes: [] } }, (q) =>
    ++asked > 1 ? undefined : answersFrom(answers)(q),
  );
}

describe("a diagnosis saved mid-way resumes in a fresh process", async () => {
  const uninterrupted = comparable(
    reportOf(
      await engineWith().start({ flowId: main.flow.id }, { targets: { nodes: [] } }, answersFrom(answers)),
      main,
    ),
  );

  it("with the Redis store", async () => {
    const store = new RedisStore({ url: redisUrl });
    stores.push(store);
    const partial = await startedHalfway(store);
    expect(partial.pending).not.toBeNull();
    const out = execFileSync("node", [child, redisUrl, partial.record.id, JSON.stringify(answers)], {
      encoding: "utf8",
    });
    expect(comparable(JSON.parse(out))).toEqual(uninterrupted);
  });

  it("with the memory store, from the serialized record", async () => {
    const store = new MemoryStore();
    const partial = await startedHalfway(store);
    const record = JSON.stringify(await store.get(partial.record.id));
    const out = execFileSync("node", [child, "memory", partial.record.id, JSON.stringify(answers)], {
      encoding: "utf8",
      input: record,
    });
    expect(comparable(JSON.parse(out))).toEqual(uninterrupted);
  });
});

describe("the Redis store", () => {
  it("keeps each diagnosis with a TTL and lists the most recent first", async () => {
    const store = redisStore({ ttlSeconds: 600 });
    const a = await startedHalfway(store);
    const b = await startedHalfway(store);
    expect((await store.recent(10)).map((r) => r.id)).toEqual([b.record.id, a.record.id]);
    await engineWith({ store }).continue(
      a.record.id,
      { targets: { nodes: [] } },
      { type: "ANSWER", question: a.pending!.id, value: null, source: "user", by: "u" },
    );
    expect((await store.recent(1)).map((r) => r.id)).toEqual([a.record.id]);

    const raw = new Redis(redisUrl);
    const keys: string[] = [];
    let cursor = "0";
    do {
      const [next, batch] = await raw.scan(cursor, "MATCH", `*diagnosis:${a.record.id}`);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== "0");
    const ttl = await raw.ttl(keys[0]!);
    raw.disconnect();
    expect(ttl).toBeGreaterThan(590);
    expect(ttl).toBeLessThanOrEqual(600);
  });

  it("refuses a corrupt record with a message that says what to do", async () => {
    const store = redisStore({ prefix: "corrupt:" });
    const raw = new Redis(redisUrl);
    await raw.set("corrupt:diagnosis:broken", JSON.stringify({ id: "broken", flow: {} }));
    raw.disconnect();
    await expect(store.get("broken")).rejects.toThrow(/unreadable .*start a new diagnosis/);
  });

  it("reports an unreachable server promptly, naming it without its password", async () => {
    const server = await startRedis();
    await server.stop();
    const store = redisStore({ url: `redis://:hunter2@127.0.0.1:${server.port}`, commandTimeoutMs: 1000 });
    const started = Date.now();
    const err = await store.get("x").catch((e: Error) => e);
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(String(err)).toMatch(/diagnosis store at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/?: cannot read/);
    expect(String(err)).not.toContain("hunter2");
  });
});
