import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRedis, type Running } from "../../src/lab/processes.js";
import { FakeSlack } from "../helpers/fake-slack.js";
import {
  blockAction,
  latestQuestion,
  nextQuestion,
  sendToApp,
  slashCommand,
  startSlackApp,
  type SlackApp,
} from "../helpers/slack.js";

let fake: FakeSlack;
let redis: Running;
const apps: SlackApp[] = [];
beforeAll(async () => {
  fake = await new FakeSlack().start();
  redis = await startRedis();
});
afterAll(async () => {
  await Promise.all(apps.map((a) => a.stop()));
  await redis?.stop();
  await fake?.stop();
});

async function app() {
  const a = await startSlackApp(fake, { REDIS_URL: redis.url });
  apps.push(a);
  return a;
}

/** Answers the latest question through `via`, from what a person knows ("unknown" otherwise); waits for what follows. */
async function answer(via: SlackApp, known: Record<string, string>) {
  const q = latestQuestion(fake)!;
  const value = known[q.question] ?? "unknown";
  const button = q.elements.find((e) => e.value === value);
  const click = button
    ? { actionId: button.action_id, value }
    : { actionId: q.elements[0]!.action_id, selected: value };
  const r = await sendToApp(
    via,
    blockAction(fake, { blockId: q.blockId, ...click, messageTs: q.messageTs, threadTs: q.threadTs }),
  );
  expect(r.status).toBe(200);
  return nextQuestion(fake, q, (calls) =>
    calls.some(
      (c, i) =>
        i > q.index && c.method === "chat.postMessage" && /Most likely|Inconclusive|No fault/.test(String(c.args.text)),
    ),
  );
}

describe("replicas sharing one Redis", () => {
  it("a diagnosis started on one process is finished on another", async () => {
    const [a, b] = await Promise.all([app(), app()]);
    await sendToApp(a, slashCommand(fake, { text: "diagnose" }));
    await fake.waitFor(() => latestQuestion(fake)?.question === "symptom");
    const diagnosis = latestQuestion(fake)!.blockId.split("|")[1];
    const known = {
      symptom: "lost-after-failover",
      stack: "java-tomcat",
      architecture: "in-memory-replication",
      "replication-mode": "asynchronous",
      "lb-sticky": "yes",
    };
    // Five answers, each through whichever replica: alternately.
    let asked = 0;
    for (const via of [b, a, b, b, a]) {
      asked++;
      if (!(await answer(via, known))) break;
    }
    // One diagnosis throughout, each answer recorded once whichever process took it.
    expect(latestQuestion(fake)!.blockId.split("|")[1]).toBe(diagnosis);
    const answered = fake.called("chat.update").filter((c) => JSON.stringify(c.args.blocks ?? "").includes("answered"));
    expect(answered).toHaveLength(asked);
  });

  it("a restart mid-diagnosis loses nothing", async () => {
    const first = await app();
    await sendToApp(first, slashCommand(fake, { text: "diagnose", user: "UERIN" }));
    await fake.waitFor(() => latestQuestion(fake)?.question === "symptom" && latestQuestion(fake)!.index > 0);
    const q = latestQuestion(fake)!;
    const known = { symptom: "random-logout", stack: "express", architecture: "node-memory", "lb-sticky": "no" };
    await answer(first, known);
    await first.stop();
    const second = await app();
    while (await answer(second, known));
    expect(latestQuestion(fake)!.blockId.split("|")[1]).toBe(q.blockId.split("|")[1]);
    expect(
      fake.called("chat.postMessage").some((c) => /Most likely cause: Load balancer/.test(String(c.args.text))),
    ).toBe(true);
    expect(fake.violations).toEqual([]);
  });
});

describe("Slack's rate limits", () => {
  it("a progress update that gets 429 is sent again after Retry-After", async () => {
    const a = await app();
    fake.rateLimitNext("chat.update", 1);
    const started = fake.calls.length;
    await sendToApp(a, slashCommand(fake, { text: "diagnose", user: "UFRAN" }));
    await fake.waitFor((calls) => calls.slice(started).some((c) => c.method === "chat.update (rate limited)"));
    const limited = fake.calls.findIndex((c, i) => i >= started && c.method === "chat.update (rate limited)");
    const ts = fake.calls[limited]!.args.ts;
    const limitedAt = Date.now();
    await fake.waitFor(
      (calls) => calls.slice(limited + 1).some((c) => c.method === "chat.update" && c.args.ts === ts),
      10_000,
    );
    expect(Date.now() - limitedAt).toBeGreaterThanOrEqual(500);
  });
});
