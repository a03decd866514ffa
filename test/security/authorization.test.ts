import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Running } from "../../src/lab/processes.js";
import { FakeSlack, type Call } from "../helpers/fake-slack.js";
import { startRedis } from "../helpers/redis.js";
import {
  blockAction,
  eventCallback,
  latestQuestion,
  sendToApp,
  slashCommand,
  threadReply,
  viewSubmission,
  type SlackApp,
} from "../helpers/slack.js";
import { appWithConfig, auditOf, sleep } from "./slack-app.js";

let fake: FakeSlack;
let app: SlackApp;
let redis: Running;
beforeAll(async () => {
  [fake, redis] = await Promise.all([new FakeSlack().start(), startRedis()]);
  // UOUT is in the incident channel, but the target does not allow them.
  fake.members.set("COWNER", ["UOWNER", "UOUT", "UONCALL"]);
  fake.members.set("CSECRET", ["UOTHER"]);
  fake.members.set("CINC", ["UOTHER"]);
  fake.members.set("CPRIV", ["UALICE"]);
  app = await appWithConfig(
    fake,
    [
      "targets:",
      "  restricted:",
      `    redis: ${redis.url}`,
      "    allowed: { channels: [CINC], users: [UOWNER], usergroups: [SONCALL] }",
      "  open: { facts: { stack: express } }",
    ].join("\n"),
  );
});
afterAll(async () => {
  await app?.stop();
  await Promise.all([redis?.stop(), fake?.stop()]);
});

const json = { "content-type": "application/json" };
const rootsIn = (channel: string) =>
  fake.called("chat.postMessage").filter((c) => c.args.channel === channel && !c.args.thread_ts);
const ephemeralTo = (user: string, from: number) =>
  fake.calls.slice(from).filter((c) => c.method === "chat.postEphemeral" && c.args.user === user);

describe("target names", () => {
  it("are looked up among the configured targets only: `constructor` and friends are not targets", async () => {
    for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
      const from = fake.calls.length;
      await sendToApp(app, slashCommand(fake, { text: `diagnose ${name}`, channel: "CPROTO", user: "UOWNER" }));
      await fake.waitFor(() => ephemeralTo("UOWNER", from).length > 0);
      expect(String(ephemeralTo("UOWNER", from)[0]!.args.text)).toMatch(new RegExp(`^There is no target \`${name}\``));
    }
    expect(rootsIn("CPROTO")).toEqual([]);
  });
});

describe("a diagnosis of a restricted target", () => {
  let q: NonNullable<ReturnType<typeof latestQuestion>>;
  let diagnosis: string;
  beforeAll(async () => {
    await sendToApp(app, slashCommand(fake, { text: "diagnose restricted", channel: "COWNER", user: "UOWNER" }));
    await fake.waitFor(() => {
      const root = rootsIn("COWNER")[0]?.result?.ts;
      return root !== undefined && latestQuestion(fake)?.threadTs === root;
    }, 20_000);
    q = latestQuestion(fake)!;
    diagnosis = q.blockId.split("|")[1]!;
  });

  it("accepts nothing from someone in the channel whom the target does not allow", async () => {
    const from = fake.calls.length;
    const auditFrom = auditOf(app).length;
    const attempts: Record<string, string> = {
      answer: blockAction(fake, {
        blockId: q.blockId,
        actionId: "answer-unknown",
        value: "unknown",
        messageTs: q.messageTs,
        threadTs: q.threadTs,
        channel: "COWNER",
        user: "UOUT",
      }),
      "typed answer": viewSubmission({
        callbackId: "text-answer-modal",
        privateMetadata: JSON.stringify({ diagnosis, question: "idle-timeout" }),
        values: { answer: { value: { type: "plain_text_input", value: "30m" } } },
        user: "UOUT",
      }),
      "evidence modal": viewSubmission({
        callbackId: "evidence-modal",
        privateMetadata: diagnosis,
        values: { log: { text: { value: "READONLY You can't write against a read only replica" } } },
        user: "UOUT",
      }),
      export: blockAction(fake, {
        blockId: `result|${diagnosis}`,
        actionId: "summary-markdown",
        value: diagnosis,
        channel: "COWNER",
        user: "UOUT",
      }),
      "summary modal": viewSubmission({
        callbackId: "summary-modal",
        privateMetadata: diagnosis,
        values: { channel: { channel: { selected_conversation: "CPUBLIC" } } },
        user: "UOUT",
      }),
      "summary command": slashCommand(fake, { text: "summary <#CPUBLIC|public>", channel: "COWNER", user: "UOUT" }),
      "answer button that opens a modal": blockAction(fake, {
        blockId: q.blockId,
        actionId: "answer-text",
        value: q.question,
        channel: "COWNER",
        user: "UOUT",
      }),
    };
    for (const body of Object.values(attempts)) expect((await sendToApp(app, body)).status).toBe(200);
    const reply = threadReply({
      channel: "COWNER",
      threadTs: q.threadTs,
      user: "UOUT",
      text: "READONLY You can't write against a read only replica",
    });
    expect((await sendToApp(app, reply, { headers: json })).status).toBe(200);
    const kinds = Object.keys(attempts).length + 1;
    await fake.waitFor(() => ephemeralTo("UOUT", from).length >= kinds, 10_000);
    await sleep(500);

    const after = fake.calls.slice(from);
    const accepted = {
      answers: after.filter((c) => c.method === "chat.update" && c.args.ts === q.messageTs).length,
      questions: after.filter((c: Call) => JSON.stringify(c.args.blocks ?? "").includes('"q|')).length,
      evidence: after.filter((c) => /added evidence/.test(JSON.stringify(c.args.blocks ?? ""))).length,
      summaries: after.filter((c) => c.args.channel === "CPUBLIC").length,
      exports: after.filter((c) => /# Session diagnosis/.test(String(c.args.text))).length,
      modals: after.filter((c) => c.method === "views.open").length,
    };
    const acceptedTotal = Object.values(accepted).reduce((a, b) => a + b, 0);
    console.log(`outsider actions: ${kinds} tried, ${acceptedTotal} accepted ${JSON.stringify(accepted)}`);
    expect(acceptedTotal).toBe(0);
    for (const note of ephemeralTo("UOUT", from)) expect(String(note.args.text)).toMatch(/not allowed|restricted/);
    // The audit log names who tried, and that it was refused; nothing was done in their name.
    const audit = auditOf(app).slice(auditFrom);
    expect(audit.filter((a) => a.user === "UOUT").every((a) => a.refused === true)).toBe(true);
    expect(audit.filter((a) => a.user === "UOUT").length).toBeGreaterThanOrEqual(kinds - 1);
  });

  it("takes answers from those it allows, and the audit log names who answered and who started it", async () => {
    await sendToApp(
      app,
      blockAction(fake, {
        blockId: q.blockId,
        actionId: "answer-unknown",
        value: "unknown",
        messageTs: q.messageTs,
        threadTs: q.threadTs,
        channel: "COWNER",
        user: "UONCALL",
      }),
    );
    await fake.waitFor(() => fake.called("chat.update").some((c) => c.args.ts === q.messageTs));
    expect(auditOf(app)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ user: "UOWNER", target: "restricted", probes: expect.any(Array) }),
        expect.objectContaining({ user: "UONCALL", action: "answer", diagnosis }),
      ]),
    );
  });

  it("posts its summary only to a channel the target allows or the person is in", async () => {
    const submit = (channel: string, user = "UOWNER") =>
      sendToApp(
        app,
        viewSubmission({
          callbackId: "summary-modal",
          privateMetadata: diagnosis,
          values: { channel: { channel: { selected_conversation: channel } } },
          user,
        }),
      );
    const from = fake.calls.length;
    await submit("CSECRET"); // a private channel UOWNER is not in
    await fake.waitFor(() =>
      ephemeralTo("UOWNER", from).some((c) => /was not posted to <#CSECRET>/.test(String(c.args.text))),
    );
    await submit("CINC"); // not a member, but the target allows it
    await submit("CPUBLIC"); // a member
    await fake.waitFor(() =>
      ["CINC", "CPUBLIC"].every((ch) => fake.called("chat.postMessage").some((c) => c.args.channel === ch)),
    );
    expect(fake.called("chat.postMessage").filter((c) => c.args.channel === "CSECRET")).toEqual([]);
  });
});

describe("App Home and the target menu", () => {
  it("show someone only the diagnoses and targets they may see", async () => {
    await sendToApp(app, slashCommand(fake, { text: "diagnose open", channel: "CPRIV", user: "UALICE" }));
    await fake.waitFor(() => rootsIn("CPRIV").length > 0);
    const home = async (user: string) => {
      const from = fake.calls.length;
      await sendToApp(
        app,
        eventCallback({ type: "app_home_opened", user, channel: "D1", tab: "home", event_ts: "1.1" }),
        { headers: json },
      );
      await fake.waitFor(() => fake.calls.slice(from).some((c) => c.method === "views.publish"));
      return JSON.stringify(fake.calls.slice(from).find((c) => c.method === "views.publish")!.args.view);
    };
    const outsider = await home("UOUT");
    expect(outsider).not.toMatch(/restricted/);
    expect(outsider).not.toMatch(/archives\/(COWNER|CPRIV)/);
    const owner = await home("UOWNER");
    expect(owner).toMatch(/\*restricted\* — in progress · <@UOWNER>/);
    expect(owner).not.toMatch(/archives\/CPRIV/);
    expect(await home("UALICE")).toMatch(/archives\/CPRIV/);

    const from = fake.responses.length;
    await sendToApp(app, slashCommand(fake, { text: "diagnose", channel: "COWNER", user: "UOUT" }));
    await fake.waitFor(() => fake.responses.length > from);
    const menu = JSON.stringify(fake.responses.at(-1)!.body);
    expect(menu).toMatch(/"value":"open"/);
    expect(menu).not.toMatch(/restricted/);
  });
});
