import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSlowTarget, type SlowTarget } from "../../src/lab/slow-target.js";
import { startRedis } from "../helpers/redis.js";
import { FakeSlack } from "../helpers/fake-slack.js";
import { sendToApp, slashCommand, type SlackApp } from "../helpers/slack.js";
import type { Running } from "../../src/lab/processes.js";
import { appWithConfig } from "./slack-app.js";

let fake: FakeSlack;
let redis: Running;
let hang: SlowTarget;
const apps: SlackApp[] = [];
beforeAll(async () => {
  [fake, redis, hang] = await Promise.all([new FakeSlack().start(), startRedis(), startSlowTarget("hang")]);
});
afterAll(async () => {
  await Promise.all(apps.map((a) => a.stop()));
  await Promise.all([redis?.stop(), hang?.stop(), fake?.stop()]);
});

const config = (targets: string[]) => ["targets:", ...targets, "limits: { probeTimeoutSeconds: 2 }"].join("\n");
const slow = () => `  slow: { url: "${hang.url}/", sessionPath: /login, checkPath: /me }`;
const gone = () => `  gone: { url: "${hang.url}/", sessionPath: /login, checkPath: /me }`;

async function app(targets: string[]) {
  const a = await appWithConfig(fake, config(targets), { REDIS_URL: redis.url });
  apps.push(a);
  return a;
}

const rootIn = (channel: string) =>
  fake.calls.find((c) => c.method === "chat.postMessage" && c.args.channel === channel && !c.args.thread_ts);
const inThread = (channel: string, pattern: RegExp) =>
  fake.calls.find(
    (c) =>
      c.method === "chat.postMessage" &&
      c.args.channel === channel &&
      c.args.thread_ts === rootIn(channel)?.result?.ts &&
      pattern.test(JSON.stringify(c.args)),
  );

describe("a replica killed during a diagnosis' first probes", () => {
  it("leaves a record, and the next replica finishes the diagnosis or says in its thread that it stopped", async () => {
    const first = await app([slow(), gone()]);
    await sendToApp(first, slashCommand(fake, { text: "diagnose slow", channel: "CRESUME", user: "URES" }));
    await sendToApp(first, slashCommand(fake, { text: "diagnose gone", channel: "CSTOP", user: "USTOP" }));
    // Both are probing a target that never answers.
    await fake.waitFor(() =>
      ["CRESUME", "CSTOP"].every((ch) =>
        fake.calls.some(
          (c) => c.method === "chat.update" && c.args.channel === ch && /running/.test(JSON.stringify(c.args.blocks)),
        ),
      ),
    );
    const store = new Redis(redis.url);
    const records = (await store.keys("sessiondoc:diagnosis:*")).length;
    store.disconnect();
    expect(records).toBe(2); // on record before the first probe ended
    await first.stop(); // SIGKILL
    const killed = performance.now();

    // The next replica no longer has the target "gone": that one cannot be finished.
    await app([slow()]);
    await fake.waitFor(() => Boolean(inThread("CRESUME", /"q\|/) && inThread("CSTOP", /stopped/)), 25_000);
    console.log(
      `after a SIGKILL: taken over and finished, or reported, within ${Math.round(performance.now() - killed)} ms`,
    );
    expect(String(inThread("CSTOP", /stopped/)!.args.text)).toMatch(
      /^⚠️ This diagnosis stopped: the app restarted while it was running its probes, and could not finish it\. Run it again with `\/sessiondoc diagnose gone`\.$/,
    );
    expect(fake.violations).toEqual([]);
  });
});
