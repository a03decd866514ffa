import { mkdtempSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRedis, type Running } from "../../src/lab/processes.js";
import { createLogger } from "../../src/log.js";
import { startSlackApp } from "../../src/slack/app.js";
import { RedisWatchStore } from "../../src/slack/watch/store.js";
import { parseWatchArgs } from "../../src/slack/watch/watches.js";
import { FakeSlack, type Call } from "../helpers/fake-slack.js";
import { eventCallback, sendToApp, SIGNING_SECRET, slashCommand } from "../helpers/slack.js";

type Replica = Awaited<ReturnType<typeof startSlackApp>> & { url: string };

let fake: FakeSlack;
let appRedis: Running;
let target: Running;
let targetClient: Redis;
let watches: RedisWatchStore;
const replicas: Replica[] = [];
let config: string;

beforeAll(async () => {
  fake = await new FakeSlack().start();
  [appRedis, target] = await Promise.all([startRedis(), startRedis()]);
  targetClient = new Redis(target.url);
  // A store with sessions in it, as the watched system's.
  for (let i = 0; i < 40; i++) await targetClient.set(`sess:${i}`, "{}", "EX", 3600);
  config = join(mkdtempSync(join(tmpdir(), "sessiondoc-watch-")), "sessiondoc.yaml");
  writeFileSync(
    config,
    [
      "targets:",
      "  shop:",
      `    redis: ${target.url}`,
      "  vault:",
      `    redis: ${target.url}`,
      "    allowed: { channels: [CSEC] }",
    ].join("\n"),
  );
  watches = new RedisWatchStore(appRedis.url);
}, 60_000);

afterAll(async () => {
  await Promise.all(replicas.map((r) => r.stop()));
  await watches?.close();
  targetClient?.disconnect();
  await Promise.all([appRedis?.stop(), target?.stop()]);
  await fake?.stop();
});

/** A replica of the app in this process, on its own port, sharing the app's Redis with the others. */
async function replica(): Promise<Replica> {
  const app = await startSlackApp(
    { botToken: "xoxb-test-token", signingSecret: SIGNING_SECRET, port: 0, apiUrl: fake.url, redisUrl: appRedis.url },
    createLogger({ level: "silent", pretty: false }),
    { ...process.env, SESSIONDOC_CONFIG: config },
  );
  const r = { ...app, url: `http://127.0.0.1:${(app.server!.address() as AddressInfo).port}` };
  replicas.push(r);
  return r;
}

const posted = (pattern: RegExp) => (c: Call) => c.method === "chat.postMessage" && pattern.test(String(c.args.text));
const ephemeral = () => String(fake.called("chat.postEphemeral").at(-1)?.args.text ?? "");

async function command(via: Replica, text: string, channel = "CINC"): Promise<string> {
  const before = fake.called("chat.postEphemeral").length;
  expect((await sendToApp(via, slashCommand(fake, { text, channel }))).status).toBe(200);
  await fake.waitFor(() => fake.called("chat.postEphemeral").length > before);
  return ephemeral();
}

async function roundsOf(id: string): Promise<number> {
  return (await watches.get(id))?.rounds ?? 0;
}

async function untilRounds(id: string, n: number, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while ((await roundsOf(id)) < n) {
    if (Date.now() > until) throw new Error(`watch ${id} did not reach round ${n}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("watches in Slack", () => {
  it("understands a target, a channel and an interval, and nothing else", () => {
    expect(parseWatchArgs(["shop"])).toEqual({ target: "shop", intervalSeconds: 300 });
    expect(parseWatchArgs(["shop", "<#COPS|ops>", "every", "30s"])).toEqual({
      target: "shop",
      channel: "COPS",
      intervalSeconds: 30,
    });
    expect(parseWatchArgs(["shop", "every", "1h"]).intervalSeconds).toBe(3600);
    expect(() => parseWatchArgs(["shop", "every", "5"])).toThrow(/every 30s/);
    expect(() => parseWatchArgs(["shop", "hourly"])).toThrow(/did not understand `hourly`/);
  });

  it("three replicas run each round once; a regression is one alert with the diagnosis in its thread, then one recovery", async () => {
    const id = "shop@CINC";
    // A second try starts from a clean slate.
    await watches.remove(id);
    for (let i = 0; i < 40; i++) await targetClient.set(`sess:${i}`, "{}", "EX", 3600);
    const from = fake.calls.length;
    const since = () => fake.calls.slice(from);
    const [a, b, c] = await Promise.all([replica(), replica(), replica()]);
    // The first round starts as the command is taken, maybe before its reply arrives: count intervals from the ask.
    const started = Date.now();
    expect(await command(a, "watch shop every 2s")).toMatch(/^Watching `shop` every 2s: an alert in <#CINC>/);
    await untilRounds(id, 2);
    expect(since().filter(posted(/got worse/))).toHaveLength(0);

    // A deploy script's cache clear while the target is watched.
    await targetClient.flushdb();
    await fake.waitFor(() => since().some(posted(/got worse/)), 30_000);
    const alert = since().find(posted(/got worse/))!;
    expect(alert.args).toMatchObject({ channel: "CINC" });
    expect(alert.args.text).toMatch(
      /Sessions on \*shop\* got worse: the store was flushed; store keys fell from 40 to 0/,
    );
    const ts = alert.result!.ts as string;
    // The full diagnosis, in the alert's thread.
    await fake.waitFor(() =>
      since().some((c) => c.method === "chat.postMessage" && c.args.thread_ts === ts && c.args.blocks !== undefined),
    );
    await fake.waitFor(() => since().some(posted(/recovered/)), 30_000);
    const recovery = since().find(posted(/recovered/))!;
    // Form-encoded by the Web API client, as Slack receives it.
    expect(recovery.args).toMatchObject({ channel: "CINC", thread_ts: ts, reply_broadcast: "true" });
    // Rounds go on after the recovery without another alert or recovery.
    await untilRounds(id, (await roundsOf(id)) + 2);
    expect(since().filter(posted(/got worse/))).toHaveLength(1);
    expect(since().filter(posted(/recovered/))).toHaveLength(1);

    // One round per 2 s interval across the three replicas, and the first at once (a round still running when the
    // next is due makes that one pass): replicas that each ran every interval would count three times as many.
    const intervals = Math.floor((Date.now() - started) / 2000) + 1;
    expect(await roundsOf(id)).toBeLessThanOrEqual(intervals);

    // Prometheus gauges per target, by its configured name.
    const metrics = (await Promise.all([a, b, c].map((r) => fetch(`${r.url}/metrics`).then((res) => res.text())))).join(
      "\n",
    );
    expect(metrics).toMatch(/sessiondoc_watch_last_round_timestamp_seconds\{target="shop"\} \d{10}/);
    expect(metrics).toMatch(/sessiondoc_watch_status\{target="shop",status="regression"\} [01]/);
    expect(metrics).not.toContain(target.url);

    // App Home lists the watch with its last result.
    const publishes = fake.called("views.publish").length;
    await sendToApp(b, eventCallback({ type: "app_home_opened", user: "UALICE", tab: "home" }), {
      headers: { "content-type": "application/json" },
    });
    await fake.waitFor(() => fake.called("views.publish").length > publishes);
    const home = JSON.stringify(fake.called("views.publish").at(-1)!.args.view);
    expect(home).toMatch(/\*shop\* → <#CINC> every 2s · 🟢 ok at/);

    // Unwatched, through the other replica: no round after that.
    expect(await command(b, "unwatch shop")).toBe("Stopped watching `shop` into <#CINC>.");
    expect(await watches.get(id)).toBeUndefined();
    expect(await command(a, "unwatch shop")).toBe("`shop` is not watched into <#CINC>.");
  }, 120_000);

  it("watches only configured targets the person may probe here", async () => {
    const a = replicas[0] ?? (await replica());
    expect(await command(a, "watch nowhere")).toMatch(/There is no target `nowhere`/);
    expect(await command(a, "watch vault")).toMatch(/You may not probe `vault` from this channel/);
    expect(await command(a, "watch vault every 1h", "CSEC")).toMatch(/^Watching `vault` every 1h/);
    expect(await command(a, "unwatch vault", "CSEC")).toMatch(/^Stopped watching/);
  }, 60_000);
});
