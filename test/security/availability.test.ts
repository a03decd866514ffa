import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSlowTarget, type SlowTarget } from "../../src/lab/slow-target.js";
import { FakeSlack, type Call } from "../helpers/fake-slack.js";
import { blockAction, latestQuestion, sendToApp, slashCommand, threadReply, type SlackApp } from "../helpers/slack.js";
import { appWithConfig, sleep } from "./slack-app.js";

const cleanup: Array<() => Promise<void>> = [];
let trickle: SlowTarget;
let hang: SlowTarget;
beforeAll(async () => {
  trickle = await startSlowTarget("trickle");
  hang = await startSlowTarget("hang");
  cleanup.push(trickle.stop, hang.stop);
});
afterAll(async () => {
  for (const stop of cleanup.reverse()) await stop();
});

const isRoot = (channel: string) => (c: Call) =>
  c.method === "chat.postMessage" && c.args.channel === channel && c.args.thread_ts === undefined;
const isQuestion = (channel: string) => (c: Call) =>
  c.method === "chat.postMessage" && c.args.channel === channel && JSON.stringify(c.args.blocks ?? "").includes('"q|');

/** Sends a slash command and measures how long until the fake saw a call matching `seen` (after the send). */
async function timeUntil(fake: FakeSlack, app: SlackApp, body: string, seen: (c: Call) => boolean, ms = 20_000) {
  const from = fake.calls.length;
  const started = performance.now();
  await sendToApp(app, body);
  await fake.waitFor((calls) => calls.slice(from).some(seen), ms);
  return performance.now() - started;
}

describe("stuck diagnoses in Slack", () => {
  let fake: FakeSlack;
  let app: SlackApp;
  beforeAll(async () => {
    fake = await new FakeSlack().start();
    cleanup.push(() => fake.stop());
    app = await appWithConfig(
      fake,
      [
        "targets:",
        `  slow: { url: "${trickle.url}/", sessionPath: /login, checkPath: /me }`,
        "  quick: { facts: { stack: express } }",
        "limits: { probeTimeoutSeconds: 20, diagnosisTimeoutSeconds: 40, slackTimeoutSeconds: 3 }",
      ].join("\n"),
    );
    cleanup.push(app.stop);
  });

  it("8 diagnoses of a trickling target delay another person's first message by under 2 s", async () => {
    const from = fake.calls.length;
    await Promise.all(
      [1, 2, 3, 4, 5, 6, 7, 8].map((i) =>
        sendToApp(app, slashCommand(fake, { text: "diagnose slow", user: `USTUCK${i}`, channel: "CSLOW" })),
      ),
    );
    await fake.waitFor((calls) => calls.slice(from).filter(isRoot("CSLOW")).length === 8);
    await sleep(500); // the probes are under way and trickling
    const first = await timeUntil(
      fake,
      app,
      slashCommand(fake, { text: "diagnose quick", user: "UOTHER" }),
      isRoot("CINC"),
    );
    const question = await timeUntil(
      fake,
      app,
      slashCommand(fake, { text: "diagnose quick", user: "UOTHER2" }),
      isQuestion("CINC"),
    );
    console.log(
      `8 stuck diagnoses: another person's first message after ${Math.round(first)} ms, first question after ${Math.round(question)} ms`,
    );
    expect(first).toBeLessThan(2_000);
    expect(question).toBeLessThan(2_000);
    expect(fake.calls.slice(from).filter(isQuestion("CSLOW"))).toHaveLength(0);
  });

  it("8 diagnoses whose messages Slack never answers delay nobody else, and their people are told", async () => {
    fake.fault({ method: "chat.postMessage", kind: "hang", when: (a) => a.channel === "CHUNG" });
    const from = fake.calls.length;
    await Promise.all(
      [1, 2, 3, 4, 5, 6, 7, 8].map((i) =>
        sendToApp(app, slashCommand(fake, { text: "diagnose quick", user: `UHUNG${i}`, channel: "CHUNG" })),
      ),
    );
    await fake.waitFor((calls) => calls.slice(from).filter((c) => c.method === "chat.postMessage (hang)").length === 8);
    const first = await timeUntil(
      fake,
      app,
      slashCommand(fake, { text: "diagnose quick", user: "UOTHER3" }),
      isRoot("CINC"),
    );
    console.log(
      `8 diagnoses whose chat.postMessage hangs: another person's first message after ${Math.round(first)} ms`,
    );
    expect(first).toBeLessThan(2_000);
    await fake.waitFor(
      (calls) =>
        calls
          .slice(from)
          .filter(
            (c) =>
              c.method === "chat.postEphemeral" &&
              /Slack refused to post in this channel \(no answer within 3 s\)/.test(String(c.args.text)),
          ).length === 8,
      10_000,
    );
    fake.clearFaults();
  });
});

describe("a flaky Slack API", () => {
  let fake: FakeSlack;
  let app: SlackApp;
  beforeAll(async () => {
    fake = await new FakeSlack().start();
    cleanup.push(() => fake.stop());
    app = await appWithConfig(
      fake,
      [
        "targets:",
        `  hangs: { url: "${hang.url}/", sessionPath: /login, checkPath: /me }`,
        "  quick: { facts: { stack: express } }",
        "limits: { probeTimeoutSeconds: 1, slackTimeoutSeconds: 3 }",
      ].join("\n"),
    );
    cleanup.push(app.stop);
  });

  it("progress updates answered 429 (Retry-After 100 s) or never answered do not hold up the question", async () => {
    for (const kind of ["rate-limit", "hang"] as const) {
      fake.fault({ method: "chat.update", kind, retryAfterSeconds: 100 });
      const from = fake.calls.length;
      const ms = await timeUntil(
        fake,
        app,
        slashCommand(fake, { text: "diagnose hangs", channel: `C${kind}` }),
        isQuestion(`C${kind}`),
      );
      const limited = fake.calls.slice(from).filter((c) => c.method.startsWith("chat.update ("));
      console.log(`chat.update ${kind}: first question after ${Math.round(ms)} ms (${limited.length} updates refused)`);
      expect(limited.length).toBeGreaterThan(0);
      expect(ms).toBeLessThan(1_000 + 2_000);
      fake.clearFaults();
    }
  });

  it("a chat.postMessage answered 500 is tried 3 times, and the person is told", async () => {
    fake.fault({ method: "chat.postMessage", kind: "status", status: 500 });
    const from = fake.calls.length;
    await sendToApp(app, slashCommand(fake, { text: "diagnose quick", user: "UFAIL", channel: "CFAIL" }));
    await fake.waitFor((calls) =>
      calls.slice(from).some((c) => c.method === "chat.postEphemeral" && c.args.user === "UFAIL"),
    );
    fake.clearFaults();
    const told = fake.calls.slice(from).find((c) => c.method === "chat.postEphemeral" && c.args.user === "UFAIL")!;
    expect(String(told.args.text)).toMatch(/^Slack refused to post in this channel \(HTTP 500\)\. Try again/);
    expect(fake.calls.slice(from).filter((c) => c.method === "chat.postMessage (500)")).toHaveLength(3);
  });

  it("a question Slack is slow to take does not hold the diagnosis: evidence pasted meanwhile goes in at once", async () => {
    const from = fake.calls.length;
    await sendToApp(app, slashCommand(fake, { text: "diagnose quick", channel: "CLOCK", user: "ULOCK" }));
    await fake.waitFor((calls) => calls.slice(from).some(isQuestion("CLOCK")));
    const q = latestQuestion(fake)!;
    // The next question, shown on the question card, hangs until the Slack time limit.
    fake.fault({
      method: "chat.update",
      kind: "hang",
      when: (a) => a.channel === "CLOCK" && JSON.stringify(a.blocks ?? "").includes('"q|'),
    });
    const menu = q.elements[0] as unknown as { action_id: string };
    await sendToApp(
      app,
      blockAction(fake, {
        blockId: q.blockId,
        actionId: menu.action_id,
        selected: "csrf-errors",
        messageTs: q.messageTs,
        threadTs: q.threadTs,
        channel: "CLOCK",
        user: "ULOCK",
      }),
    );
    await fake.waitFor((calls) => calls.slice(from).some((c) => c.method === "chat.update (hang)"));
    const started = performance.now();
    await sendToApp(
      app,
      threadReply({
        channel: "CLOCK",
        threadTs: q.threadTs,
        user: "ULOCK",
        text: "OOM command not allowed when used memory > 'maxmemory'",
      }),
      { headers: { "content-type": "application/json" } },
    );
    await fake.waitFor((calls) =>
      calls
        .slice(from)
        .some((c) => c.method === "chat.postMessage" && /added evidence/.test(JSON.stringify(c.args.blocks ?? ""))),
    );
    const ms = performance.now() - started;
    console.log(`evidence added ${Math.round(ms)} ms after it was pasted, while a question was hanging in Slack`);
    expect(ms).toBeLessThan(1_500);
    fake.clearFaults();
  });

  it("a 429 on a question waits out a short Retry-After once", async () => {
    const from = fake.calls.length;
    fake.fault({
      method: "chat.postMessage",
      kind: "rate-limit",
      retryAfterSeconds: 1,
      times: 1,
      when: (a) => a.thread_ts !== undefined && JSON.stringify(a.blocks ?? "").includes('"q|'),
    });
    await sendToApp(app, slashCommand(fake, { text: "diagnose quick", channel: "CRETRY" }));
    await fake.waitFor((calls) => calls.slice(from).some(isQuestion("CRETRY")));
    expect(fake.calls.slice(from).filter((c) => c.method === "chat.postMessage (rate limited)")).toHaveLength(1);
  });
});
