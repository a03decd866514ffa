import { spawn } from "node:child_process";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { describeRound, recovered, regressions, type Round } from "../src/engine/watch.js";
import { root } from "./helpers/cli.js";
import { startRedis, type RedisServer } from "./helpers/redis.js";

const servers: RedisServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

const round = (over: Partial<Round> = {}): Round => ({ at: new Date("2026-11-26T03:00:00Z"), problems: [], ...over });
const store = (over: Partial<NonNullable<Round["store"]>> = {}) => ({
  keys: 100,
  evicted: 0,
  rejected: 0,
  flushes: 0,
  uptime: 1000,
  ...over,
});

describe("a watch round", () => {
  it("names what got worse since the round before, and nothing when counters stand still", () => {
    const before = round({ store: store(), continuity: { requests: 12, anonymous: 0, backends: 2 } });
    expect(regressions(before, round({ store: store({ uptime: 1060 }) }))).toEqual([]);
    expect(regressions(before, round({ store: store({ evicted: 7, rejected: 2, uptime: 1060 }) }))).toEqual([
      "7 keys evicted",
      "2 connections refused at maxclients",
    ]);
    expect(regressions(before, round({ store: store({ uptime: 5, keys: 3 }) }))).toEqual([
      "the store restarted",
      "store keys fell from 100 to 3",
    ]);
    expect(regressions(before, round({ continuity: { requests: 12, anonymous: 5, backends: 2 } }))).toEqual([
      "5 of 12 signed-in requests came back anonymous",
    ]);
    // Counters since the server started are not news on the first round.
    expect(regressions(undefined, round({ store: store({ evicted: 900 }) }))).toEqual([]);
  });

  it("has recovered only when nothing got worse and nothing is still wrong", () => {
    const flushed = round({ store: store({ keys: 3, flushes: 1 }) });
    expect(recovered(flushed, round({ store: store({ keys: 3, flushes: 1, uptime: 1060 }) }))).toBe(true);
    const losing = round({ continuity: { requests: 12, anonymous: 4, backends: 2 } });
    expect(recovered(losing, losing)).toBe(false);
    const blind = round({ problems: ["redis.info failed: connection refused"] });
    expect(recovered(blind, blind)).toBe(false);
  });

  it("is one line: continuity, backends, store keys and changes", () => {
    const before = round({ store: store() });
    const now = round({
      store: store({ keys: 112, evicted: 3 }),
      continuity: { requests: 12, anonymous: 0, backends: 2 },
    });
    expect(describeRound(4, before, now)).toBe(
      "2026-11-26T03:00:00Z round 4: continuity 12/12 over 2 backends; store 112 keys (+12), evicted (+3), refused (+0)",
    );
  });
});

describe("sessiondoc watch against a real store", () => {
  it("prints a line a round, diagnoses once when the store is flushed, and says when it has recovered", async () => {
    const server = await startRedis();
    servers.push(server);
    const redis = new Redis(server.url);
    for (let i = 0; i < 40; i++) await redis.set(`sess:${i}`, "{}", "EX", 3600);
    const child = spawn(
      "node",
      ["bin/sessiondoc.js", "watch", "--redis", server.url, "--interval", "1", "--rounds", "3"],
      {
        cwd: root,
      },
    );
    let out = "";
    let flushed = false;
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      // A deploy script's cache clear, between the first round and the second.
      if (!flushed && /round 1:/.test(out)) void redis.flushdb().then(() => (flushed = true));
    });
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    await redis.quit();
    expect(out).toMatch(/round 1: store 40 keys/);
    expect(out).toMatch(/round 2: store 0 keys \(-40\)/);
    expect(out.match(/Regression: /g)).toHaveLength(1);
    expect(out).toMatch(/Regression: the store was flushed; store keys fell from 40 to 0\. Diagnosing:\n\nVerdict: /);
    expect(out).toMatch(/round 3: .*\nRecovered: round 3/);
    expect(code).toBe(0);
  });
});
