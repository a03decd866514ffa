import { beforeAll, describe, expect, it } from "vitest";
import type { Call, FakeSlack } from "../helpers/fake-slack.js";
import {
  answerLatest,
  latestQuestion,
  nextQuestion,
  sendToApp,
  slashCommand,
  threadReply,
  type SlackApp,
  slackAppForFile,
} from "../helpers/slack.js";

const running = slackAppForFile();
let fake: FakeSlack;
let app: SlackApp;
beforeAll(() => void ({ fake, app } = running));

const json = { headers: { "content-type": "application/json" } };
const isResult = (c: Call) =>
  c.method === "chat.postMessage" && /Most likely cause|Inconclusive/.test(String(c.args.text));

/** Until the app has made no call for a while: the step an evidence paste started is over. */
async function settled(ms = 500) {
  for (let n = -1; n !== fake.calls.length;) {
    n = fake.calls.length;
    await new Promise((r) => setTimeout(r, ms));
  }
}

describe("a quiet thread", () => {
  it("a diagnosis with no targets, walked to its verdict and re-ranked, keeps to 4 thread messages", async () => {
    expect((await sendToApp(app, slashCommand(fake, { text: "diagnose", channel: "CQUIET" }))).status).toBe(200);
    await fake.waitFor(() => latestQuestion(fake) !== undefined);
    const root = fake.called("chat.postMessage").find((c) => c.args.channel === "CQUIET" && !c.args.thread_ts)!;
    const thread = root.result!.ts as string;

    const known: Record<string, string> = { symptom: "random-logout", architecture: "external-store" };
    const finished = (calls: Call[]) => calls.some(isResult);
    let unknown = 0;
    let answered = 0;
    let pasted = false;
    let q = latestQuestion(fake);
    while (q && !finished(fake.calls)) {
      const value = known[q.question] ?? "unknown";
      if (value === "unknown") unknown++;
      else answered++;
      await answerLatest(fake, app, value);
      if (!pasted) {
        // Logs pasted while questions are still open: acknowledged on a message of their own.
        pasted = true;
        const text = "Error: connect ETIMEDOUT 10.0.0.5:6379";
        await sendToApp(app, threadReply({ channel: "CQUIET", threadTs: thread, user: "UALICE", text }), json);
        await fake.waitFor((calls) => calls.some((c) => /added evidence/.test(JSON.stringify(c.args.blocks ?? ""))));
        await settled();
        q = latestQuestion(fake);
        continue;
      }
      q = await nextQuestion(fake, q, finished);
    }
    await fake.waitFor(finished);
    const result = fake.calls.find(isResult)!;
    // Logs after the verdict re-rank the result in place.
    const late = "ReplyError: OOM command not allowed when used memory > 'maxmemory'.";
    await sendToApp(app, threadReply({ channel: "CQUIET", threadTs: thread, user: "UBOB", text: late }), json);
    await fake.waitFor((calls) =>
      calls.some(
        (c) =>
          c.method === "chat.update" && c.args.ts === result.result!.ts && /OOM/.test(JSON.stringify(c.args.blocks)),
      ),
    );
    await settled(1500); // progress updates are coalesced to one a second

    const inThread = fake.calls.filter((c) => c.method === "chat.postMessage" && c.args.thread_ts === thread);
    expect(inThread.length, inThread.map((c) => String(c.args.text)).join(" | ")).toBeLessThanOrEqual(4);

    // Every message as it was last shown, and no edit that sends what the message already shows.
    const mine = new Set(inThread.map((c) => c.result!.ts as string).concat(thread));
    const shown = new Map<string, string>();
    const repeats: string[] = [];
    for (const c of fake.calls) {
      const ts = (c.method === "chat.update" ? c.args.ts : c.result?.ts) as string | undefined;
      if (!ts || !mine.has(ts) || !["chat.postMessage", "chat.update"].includes(c.method)) continue;
      const blocks = JSON.stringify(c.args.blocks ?? null);
      if (c.method === "chat.update" && shown.get(ts) === blocks) repeats.push(`${ts}: ${String(c.args.text)}`);
      shown.set(ts, blocks);
    }
    expect(repeats).toEqual([]);
    expect([...shown.values()].filter((b) => b.includes("Add logs"))).toHaveLength(1);

    const final = shown.get(result.result!.ts as string)!;
    expect(final).toContain("(updated)");
    expect(final).toContain(`${answered} questions answered, ${unknown} \\"I don't know\\"`);
    expect(fake.violations).toEqual([]);
  });
});
