import { beforeAll, describe, expect, it } from "vitest";
import type { FakeSlack } from "../helpers/fake-slack.js";
import {
  answerLatest,
  blockAction,
  latestQuestion,
  nextQuestion,
  sendToApp,
  slashCommand,
  threadReply,
  viewSubmission,
  type SlackApp,
  slackAppForFile,
} from "../helpers/slack.js";

const running = slackAppForFile();
let fake: FakeSlack;
let app: SlackApp;
beforeAll(() => void ({ fake, app } = running));

const answer = (value: string) => answerLatest(fake, app, value);

describe("a diagnosis in Slack, from slash command to incident summary", () => {
  it("answers /sessiondoc help at once", async () => {
    const r = await sendToApp(app, slashCommand(fake, { text: "help" }));
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text).text).toMatch(/\/sessiondoc diagnose/);
  });

  it("starts in a thread, asks, updates answered questions, and posts the result and a summary", async () => {
    const r = await sendToApp(app, slashCommand(fake, { text: "diagnose" }));
    expect(r.status).toBe(200);
    await fake.waitFor(() => latestQuestion(fake) !== undefined);
    const root = fake.called("chat.postMessage")[0]!;
    expect(root.args).toMatchObject({ channel: "CINC" });
    expect(String(root.args.text)).toMatch(/Session diagnosis started by <@UALICE>/);
    const first = latestQuestion(fake)!;
    expect(first.question).toBe("symptom");
    expect(first.threadTs).toBe(root.result!.ts);

    const answered = await answer("random-logout");
    const update = fake.called("chat.update").find((c) => c.args.ts === answered.messageTs)!;
    expect(JSON.stringify(update.args.blocks)).toMatch(/<@UALICE> answered \*Logged out at random, on any page\*/);
    // The next questions come in the order that separates the causes still open; a person answers what they know.
    const known: Record<string, string> = { architecture: "node-memory", "lb-sticky": "no", stack: "express" };
    const finished = (calls: FakeSlack["calls"]) =>
      calls.some((c) => c.method === "chat.postMessage" && /Most likely cause/.test(String(c.args.text)));
    for (let q = await nextQuestion(fake, answered, finished); q; q = await nextQuestion(fake, q, finished))
      await answer(known[q.question] ?? "unknown");

    await fake.waitFor((calls) =>
      calls.some(
        (c) => c.method === "chat.postMessage" && /Most likely cause: Load balancer/.test(String(c.args.text)),
      ),
    );
    const result = fake.called("chat.postMessage").find((c) => /Most likely cause/.test(String(c.args.text)))!;
    const blocks = JSON.stringify(result.args.blocks);
    expect(blocks).toContain("Cause found");
    expect(blocks).toContain("lb-affinity");
    expect(blocks).toContain("RedisStore"); // the Express fix snippet
    // The root message now carries the verdict.
    await fake.waitFor((calls) => calls.some((c) => c.method === "chat.update" && c.args.ts === root.result!.ts));

    const diagnosis = (JSON.parse(JSON.stringify(result.args.blocks)) as Array<{ block_id?: string }>)
      .find((b) => b.block_id?.startsWith("result|"))!
      .block_id!.split("|")[1]!;
    const post = await sendToApp(
      app,
      blockAction(fake, { blockId: `result|${diagnosis}`, actionId: "summary-post", value: diagnosis }),
    );
    expect(post.status).toBe(200);
    await fake.waitFor((calls) => calls.some((c) => c.method === "views.open"));
    const submit = await sendToApp(
      app,
      viewSubmission({
        callbackId: "summary-modal",
        privateMetadata: diagnosis,
        values: { channel: { channel: { type: "conversations_select", selected_conversation: "CSEV1" } } },
      }),
    );
    expect(submit.status).toBe(200);
    await fake.waitFor((calls) => calls.some((c) => c.method === "chat.postMessage" && c.args.channel === "CSEV1"));
    const summary = fake.called("chat.postMessage").find((c) => c.args.channel === "CSEV1")!;
    const text = JSON.stringify(summary.args.blocks);
    // Plain words for the verdict, and when it was diagnosed, in one time zone for everyone.
    expect(text).toContain("Verdict:* cause found —");
    expect(text).toContain("Recommended fix");
    expect(text).toMatch(/Run by <@UALICE> · \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
    expect(text).toMatch(/https:\/\/fake\.slack\.test\/archives\/CINC\/p/);

    // `/sessiondoc summary #channel` posts the same summary of this channel's latest diagnosis.
    await sendToApp(app, slashCommand(fake, { text: "summary <#CSEV2|sev2>" }));
    await fake.waitFor((calls) => calls.some((c) => c.method === "chat.postMessage" && c.args.channel === "CSEV2"));

    // Markdown export.
    await sendToApp(
      app,
      blockAction(fake, { blockId: `result|${diagnosis}`, actionId: "summary-markdown", value: diagnosis }),
    );
    await fake.waitFor((calls) =>
      calls.some((c) => c.method === "chat.postEphemeral" && String(c.args.text).includes("# Session diagnosis")),
    );

    expect(fake.violations).toEqual([]);
  });

  it("reads a log line pasted as a reply in the thread as evidence, once even when Slack retries the event", async () => {
    const root = fake.called("chat.postMessage")[0]!;
    const event = JSON.stringify({
      token: "legacy",
      team_id: "T1",
      api_app_id: "A1",
      type: "event_callback",
      event_id: "EvThread1",
      event_time: Math.floor(Date.now() / 1000),
      event: {
        type: "message",
        channel: "CINC",
        user: "UALICE",
        text: "ReplyError: READONLY You can't write against a read only replica.",
        ts: "1700000999.000001",
        thread_ts: root.result!.ts,
        channel_type: "channel",
      },
    });
    const headers = { "content-type": "application/json" };
    expect((await sendToApp(app, event, { headers })).status).toBe(200);
    expect(
      (
        await sendToApp(app, event, {
          headers: { ...headers, "x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout" },
        })
      ).status,
    ).toBe(200);
    await fake.waitFor((calls) =>
      calls.some((c) => c.method === "chat.postMessage" && /added evidence/.test(JSON.stringify(c.args.blocks ?? ""))),
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(
      fake.calls.filter(
        (c) => c.method === "chat.postMessage" && /added evidence/.test(JSON.stringify(c.args.blocks ?? "")),
      ),
    ).toHaveLength(1);
    // The finished diagnosis is ranked again with the new evidence: its one result is edited in place, marked updated.
    const results = fake.calls.filter(
      (c) =>
        c.method === "chat.postMessage" &&
        c.args.thread_ts === root.result!.ts &&
        /Most likely cause/.test(String(c.args.text)),
    );
    expect(results.length).toBe(1);
    await fake.waitFor((calls) =>
      calls.some((c) => c.method === "chat.update" && c.args.ts === results[0]!.result!.ts),
    );
    const updated = fake.called("chat.update").find((c) => c.args.ts === results[0]!.result!.ts)!;
    expect(JSON.stringify(updated.args.blocks)).toMatch(/READONLY/);
    expect(JSON.stringify(updated.args.blocks)).toContain("(updated)");
  });

  it("exports Markdown with people and channels by name, one lookup each, and no fence inside its fence", async () => {
    fake.userNames.set("UALICE", "alice");
    fake.channelNames.set("CWAR", "war-room");
    fake.hiddenChannels.add("CGONE");
    const root = fake.called("chat.postMessage")[0]!;
    // A line that supports the top cause, so that it is key evidence in the export, with mentions as Slack sends them.
    const text =
      "Warning: connect.session() MemoryStore is not designed for a production environment; seen by <@UBOB> and <@UGHOST>, see <#CWAR|war-room>, <#CWAR> and <#CGONE>";
    fake.users.add("UBOB");
    const reply = threadReply({ channel: "CINC", threadTs: root.result!.ts as string, user: "UALICE", text });
    expect((await sendToApp(app, reply, { headers: { "content-type": "application/json" } })).status).toBe(200);
    await fake.waitFor((calls) =>
      calls.some((c) => c.method === "chat.update" && /UGHOST/.test(JSON.stringify(c.args.blocks ?? ""))),
    );
    const result = fake.called("chat.postMessage").find((c) => /Most likely cause/.test(String(c.args.text)))!;
    const diagnosis = String((result.args.blocks as Array<{ block_id?: string }>).at(-1)!.block_id).split("|")[1]!;

    const from = fake.calls.length;
    await sendToApp(
      app,
      blockAction(fake, { blockId: `result|${diagnosis}`, actionId: "summary-markdown", value: diagnosis }),
    );
    await fake.waitFor((calls) => calls.slice(from).some((c) => c.method === "chat.postEphemeral"));
    const after = fake.calls.slice(from);
    const exported = String(after.find((c) => c.method === "chat.postEphemeral")!.args.text);
    expect(exported).toContain("Run by @alice");
    expect(exported).toContain("@bob");
    expect(exported).toContain("#war-room, #war-room and #CGONE");
    expect(exported).toContain("@UGHOST"); // no such user: its id
    expect(exported).not.toMatch(/<[@#]/);
    // One lookup per person and per channel for this export.
    expect(
      after
        .filter((c) => c.method === "users.info")
        .map((c) => c.args.user)
        .sort(),
    ).toEqual(["UALICE", "UBOB", "UGHOST"]);
    expect(
      after
        .filter((c) => c.method === "conversations.info")
        .map((c) => c.args.channel)
        .sort(),
    ).toEqual(["CGONE", "CWAR"]);
    // Shown in one backtick fence; the snippets inside are fenced with tildes, each fence closed.
    expect(exported.match(/```/g)).toHaveLength(2);
    expect(exported).toMatch(/^```\n# Session diagnosis/);
    expect(exported).toMatch(/\n```$/);
    const markdown = exported.slice(4, -4);
    expect(markdown.match(/^~~~/gm)?.length ?? 0).toBeGreaterThan(0);
    expect((markdown.match(/^~~~/gm)?.length ?? 0) % 2).toBe(0);
  });
});
