import { beforeAll, describe, expect, it } from "vitest";
import type { FakeSlack } from "../helpers/fake-slack.js";
import {
  answerLatest,
  blockAction,
  latestQuestion,
  nextQuestion,
  sendToApp,
  slashCommand,
  viewSubmission,
  type SlackApp,
  slackAppForFile,
} from "../helpers/slack.js";

const running = slackAppForFile();
let fake: FakeSlack;
let app: SlackApp;
beforeAll(() => void ({ fake, app } = running));

const answer = (value: string) => answerLatest(fake, app, value);

type Block = { type: string; block_id?: string; text?: { text: string } };
const blocksOf = (call: FakeSlack["calls"][number]) => call.args.blocks as Block[];
const isResult = (call: FakeSlack["calls"][number]) =>
  call.method === "chat.postMessage" && (blocksOf(call) ?? []).some((b) => b.block_id?.startsWith("result|"));

describe("a session leak through a shared cache, in Slack", () => {
  it("leads the result, the incident summary and the Markdown export with its own security block", async () => {
    await sendToApp(app, slashCommand(fake, { text: "diagnose" }));
    await fake.waitFor(() => latestQuestion(fake) !== undefined);
    const answered = await answer("wrong-account");
    const known: Record<string, string> = { "session-cached": "yes", stack: "express" };
    const finished = (calls: FakeSlack["calls"]) => calls.some(isResult);
    for (let q = await nextQuestion(fake, answered, finished); q; q = await nextQuestion(fake, q, finished))
      await answer(known[q.question] ?? "unknown");
    await fake.waitFor(finished);

    const result = fake.calls.find(isResult)!;
    const [first, second, third] = blocksOf(result);
    expect(first).toMatchObject({ type: "header" });
    expect(first!.text!.text).toMatch(
      /^🚨 SECURITY — A shared cache hands one user's session to others \((found|suspected)/,
    );
    expect(second!.text!.text).toMatch(/Act now:\* Purge the cache now/);
    expect(third).toEqual({ type: "divider" });
    expect(String(result.args.text)).toMatch(/^SECURITY — /);

    const diagnosis = blocksOf(result)
      .find((b) => b.block_id?.startsWith("result|"))!
      .block_id!.split("|")[1]!;
    await sendToApp(
      app,
      blockAction(fake, { blockId: `result|${diagnosis}`, actionId: "summary-post", value: diagnosis }),
    );
    await fake.waitFor((calls) => calls.some((c) => c.method === "views.open"));
    await sendToApp(
      app,
      viewSubmission({
        callbackId: "summary-modal",
        privateMetadata: diagnosis,
        values: { channel: { channel: { type: "conversations_select", selected_conversation: "CSEV1" } } },
      }),
    );
    await fake.waitFor((calls) => calls.some((c) => c.method === "chat.postMessage" && c.args.channel === "CSEV1"));
    const summary = fake.called("chat.postMessage").find((c) => c.args.channel === "CSEV1")!;
    expect(blocksOf(summary)[0]!.text!.text).toMatch(/^🚨 SECURITY — /);
    expect(blocksOf(summary)[3]!.text!.text).toMatch(/^Session diagnosis/);

    await sendToApp(
      app,
      blockAction(fake, { blockId: `result|${diagnosis}`, actionId: "summary-markdown", value: diagnosis }),
    );
    await fake.waitFor((calls) =>
      calls.some((c) => c.method === "chat.postEphemeral" && String(c.args.text).includes("# Session diagnosis")),
    );
    const markdown = String(
      fake.called("chat.postEphemeral").find((c) => String(c.args.text).includes("# Session diagnosis"))!.args.text,
    );
    expect(markdown.split("\n").find((l) => l.startsWith(">"))).toMatch(/^> 🚨 \*\*SECURITY — /);
    expect(fake.violations).toEqual([]);
  });
});
