import { request } from "node:http";
import { beforeAll, describe, expect, it } from "vitest";
import type { FakeSlack } from "../helpers/fake-slack.js";
import {
  blockAction,
  latestQuestion,
  sendToApp,
  slashCommand,
  threadReply,
  viewSubmission,
  type SlackApp,
  slackAppForFile,
} from "../helpers/slack.js";
import { appWithConfig, currentMemoryMb, peakMemoryMb, sleep } from "./slack-app.js";

const running = slackAppForFile((fake) => appWithConfig(fake, "targets: {}\n"));
let fake: FakeSlack;
let app: SlackApp;
beforeAll(() => void ({ fake, app } = running));

const now = () => Math.floor(Date.now() / 1000);
const roots = (channel: string) =>
  fake.called("chat.postMessage").filter((c) => c.args.channel === channel && !c.args.thread_ts);

/** Starts a diagnosis without a target in `channel` and returns its first question. */
async function started(channel: string, user = "UALICE") {
  await sendToApp(app, slashCommand(fake, { text: "diagnose", channel, user }));
  await fake.waitFor(() => {
    const root = roots(channel)[0]?.result?.ts;
    return root !== undefined && latestQuestion(fake)?.threadTs === root;
  });
  return latestQuestion(fake)!;
}

describe("requests Slack did not sign, or signed for another time", () => {
  const cases: Array<[string, () => { secret?: string; timestamp?: number; headers?: Record<string, string> }]> = [
    ["a forged signature", () => ({ secret: "not-the-secret" })],
    ["a timestamp 301 s old", () => ({ timestamp: now() - 301 })],
    ["a timestamp a day old", () => ({ timestamp: now() - 86_400 })],
    ["a timestamp 301 s in the future", () => ({ timestamp: now() + 301 })],
    ["a timestamp a year in the future", () => ({ timestamp: now() + 365 * 86_400 })],
    ["a timestamp that is not a number", () => ({ headers: { "x-slack-request-timestamp": "soon" } })],
    ["no signature", () => ({ headers: { "x-slack-signature": "" } })],
  ];
  it(`are all refused with 401 and nothing happens (${cases.length} kinds)`, async () => {
    const before = fake.calls.length;
    const accepted: string[] = [];
    for (const [what, opts] of cases) {
      const r = await sendToApp(app, slashCommand(fake, { text: "diagnose", channel: "CFORGED" }), opts());
      if (r.status !== 401) accepted.push(`${what}: ${r.status}`);
    }
    await sleep(300);
    expect(accepted).toEqual([]);
    expect(fake.calls.length).toBe(before);
    // Within the window, either way, is fine: Slack's and this host's clocks differ a little.
    expect((await sendToApp(app, slashCommand(fake, { text: "help" }), { timestamp: now() + 200 })).status).toBe(200);
  });
});

/**
 * Sends `megabytes` of body to /slack/events as fast as the app takes it: the status it answered (or "reset"), and
 * how much was sent before that.
 */
function hugeRequest(megabytes: number, declared: boolean): Promise<{ status: number | "reset"; sentMb: number }> {
  return new Promise((resolve) => {
    const total = megabytes * 1024 * 1024;
    const req = request(`${app.url}/slack/events`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": String(now()),
        "x-slack-signature": "v0=forged",
        ...(declared ? { "content-length": String(total) } : {}),
      },
    });
    let settled = false;
    const done = (status: number | "reset") => {
      if (settled) return;
      settled = true;
      req.destroy();
      resolve({ status, sentMb: Math.round(sent / 1024 / 1024) });
    };
    req.on("response", (res) => done(res.statusCode ?? 0));
    req.on("error", () => done("reset"));
    const chunk = Buffer.alloc(256 * 1024, "a");
    let sent = 0;
    const pump = () => {
      while (!settled && sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      if (!settled) req.end();
    };
    pump();
  });
}

describe("oversize bodies", () => {
  it("are refused before they are read further, and the process stays small and responsive", async () => {
    const before = currentMemoryMb(app.process.pid!);
    const results = await Promise.all([
      ...[1, 2, 3, 4, 5].map(() => hugeRequest(200, true)),
      ...[1, 2, 3, 4, 5].map(() => hugeRequest(200, false)),
    ]);
    const ack = await sendToApp(app, slashCommand(fake, { text: "help" }));
    const peak = peakMemoryMb(app.process.pid!);
    console.log(
      `10 unsigned 200 MB bodies: ${JSON.stringify(results)}; memory ${Math.round(before)} MB before, peak ${Math.round(peak)} MB; next ack ${Math.round(ack.ms)} ms`,
    );
    // Refused (413, or the connection closed under a client still sending), long before 200 MB went through.
    for (const r of results) {
      expect([413, "reset"]).toContain(r.status);
      expect(r.sentMb).toBeLessThan(50);
    }
    expect(peak).toBeLessThan(300);
    expect(ack.status).toBe(200);
    expect(ack.ms).toBeLessThan(1_000);
  });

  it("is the same for a correctly signed body over 1 MB", async () => {
    const body = slashCommand(fake, { text: `help ${"x".repeat(1024 * 1024)}` });
    expect((await sendToApp(app, body)).status).toBe(413);
  });
});

describe("a request delivered again", () => {
  it("acts once: slash commands, clicks, modal submissions and events, replayed as sent or signed anew", async () => {
    // A slash command: three copies at once, then once more with a fresh timestamp.
    const command = slashCommand(fake, { text: "diagnose", channel: "CREPLAY" });
    await Promise.all([1, 2, 3].map(() => sendToApp(app, command)));
    await sendToApp(app, command, { timestamp: now() + 1 });
    await fake.waitFor(() => {
      const root = roots("CREPLAY")[0]?.result?.ts;
      return root !== undefined && latestQuestion(fake)?.threadTs === root;
    });
    const q = latestQuestion(fake)!;
    const diagnosis = q.blockId.split("|")[1]!;

    // A click, twice, the second signed anew.
    const click = blockAction(fake, {
      blockId: q.blockId,
      actionId: q.elements[0]!.action_id,
      selected: "csrf-errors",
      messageTs: q.messageTs,
      threadTs: q.threadTs,
      actionTs: "1700000002.000001",
    });
    await sendToApp(app, click);
    await sendToApp(app, click, { timestamp: now() + 1 });
    await fake.waitFor(() => latestQuestion(fake)!.question !== q.question);
    // The evidence modal, submitted three times, then signed anew.
    const evidence = viewSubmission({
      callbackId: "evidence-modal",
      privateMetadata: diagnosis,
      values: {
        log: {
          text: {
            type: "plain_text_input",
            value: "ReplyError: READONLY You can't write against a read only replica.",
          },
        },
      },
      viewId: "VREPLAY",
    });
    await Promise.all([1, 2, 3].map(() => sendToApp(app, evidence)));
    await sendToApp(app, evidence, { timestamp: now() + 1 });
    // A thread reply delivered again by Slack (a new delivery, the same event id).
    const reply = threadReply({
      channel: "CREPLAY",
      threadTs: q.threadTs,
      user: "UALICE",
      text: "OOM command not allowed when used memory > 'maxmemory'",
    });
    const json = { "content-type": "application/json" };
    await sendToApp(app, reply, { headers: json });
    await sendToApp(app, reply, {
      headers: { ...json, "x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout" },
      timestamp: now() + 1,
    });
    // The evidence is listed on one message, edited in place: one entry for each addition acted on.
    const added = () => {
      const posted = fake
        .called("chat.postMessage")
        .find((c) => c.args.thread_ts === q.threadTs && /added evidence/.test(JSON.stringify(c.args.blocks)));
      const ts = posted?.result?.ts;
      const shown = [posted, ...fake.called("chat.update").filter((c) => ts && c.args.ts === ts)].at(-1);
      return JSON.stringify(shown?.args.blocks ?? "").match(/added evidence/g)?.length ?? 0;
    };
    await fake.waitFor(() => added() >= 2);
    await sleep(500);

    // Each answer shows on the question card as who answered what.
    const answered = fake
      .called("chat.update")
      .filter((c) => c.args.ts === q.messageTs && /> answered \*/.test(JSON.stringify(c.args.blocks)));
    const counts = { diagnoses: roots("CREPLAY").length, evidence: added(), answers: answered.length };
    const actedTwice = [counts.diagnoses - 1, counts.evidence - 2, counts.answers - 1].filter((n) => n > 0).length;
    console.log(
      `replays: ${JSON.stringify(counts)} (expected 1 diagnosis, 2 additions of evidence, 1 answer); acted twice: ${actedTwice}`,
    );
    expect(counts).toEqual({ diagnoses: 1, evidence: 2, answers: 1 });
  });
});

describe("malformed payloads", () => {
  const post = (body: string, headers: Record<string, string> = {}) => sendToApp(app, body, { headers });
  const payload = (p: unknown) => new URLSearchParams({ payload: JSON.stringify(p) }).toString();

  it("get a 4xx or a polite answer, never an unhandled error", async () => {
    const q = await started("CMALFORMED");
    const diagnosis = q.blockId.split("|")[1]!;
    const results: Record<string, { status: number; text: string }> = {
      "a text answer whose private_metadata is not JSON": await post(
        viewSubmission({
          callbackId: "text-answer-modal",
          privateMetadata: "{not json",
          values: { answer: { value: { value: "30m" } } },
        }),
      ),
      "an evidence modal for no diagnosis id": await post(
        viewSubmission({
          callbackId: "evidence-modal",
          privateMetadata: "../../x",
          values: { log: { text: { value: "READONLY You can't write against a read only replica" } } },
        }),
      ),
      "a summary modal without a channel": await post(
        viewSubmission({ callbackId: "summary-modal", privateMetadata: diagnosis, values: {} }),
      ),
      "a slash command without text": await post(slashCommand(fake, { channel: "CMALFORMED" })),
      "a click without a channel": await post(
        payload({
          type: "block_actions",
          user: { id: "UALICE" },
          team: { id: "T1" },
          api_app_id: "A1",
          token: "t",
          response_url: fake.responseUrl("nochan"),
          trigger_id: "t",
          actions: [{ type: "button", action_id: "pick-target-none", block_id: "b", value: "-", action_ts: "1.2" }],
        }),
      ),
      "an answer click on a block that is not a question": await post(
        blockAction(fake, { blockId: "garbage", actionId: "answer-0", value: "x", channel: "CMALFORMED" }),
      ),
      "an answer click for a diagnosis that does not exist": await post(
        blockAction(fake, { blockId: "q|nope|symptom", actionId: "answer-0", value: "x", channel: "CMALFORMED" }),
      ),
      "a payload that is not JSON": await post("payload=%7Bnot-json"),
      "a JSON body that is not an object": await post("null", { "content-type": "application/json" }),
      "an event without its event": await post(
        JSON.stringify({ type: "event_callback", event_id: "EvX", team_id: "T1", api_app_id: "A1" }),
        { "content-type": "application/json" },
      ),
    };
    await sleep(500);
    const failures = Object.entries(results).filter(([, r]) => r.status >= 500);
    console.log(
      Object.entries(results)
        .map(([k, r]) => `${k}: ${r.status}`)
        .join("; "),
    );
    expect(failures).toEqual([]);
    expect(JSON.parse(results["a text answer whose private_metadata is not JSON"]!.text)).toMatchObject({
      response_action: "errors",
    });
    expect(results["a payload that is not JSON"]!.status).toBe(400);
    // The app is still up, and said nothing went wrong inside it.
    expect(await (await fetch(`${app.url}/healthz`)).text()).toBe("ok");
    expect(app.logs.filter((l) => /listener failed|unhandled/i.test(l))).toEqual([]);
    expect(fake.called("chat.postEphemeral").some((c) => /expired/.test(String(c.args.text)))).toBe(true);
  });
});
