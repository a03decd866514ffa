export {
  SIGNING_SECRET,
  sign,
  sendToApp,
  slashCommand,
  blockAction,
  viewSubmission,
  latestQuestion,
  nextQuestion,
  eventCallback,
  threadReply,
} from "../../src/lab/slack-requests.js";
export { startSlackApp, type SlackApp } from "../../src/lab/processes.js";

import { afterAll, beforeAll, expect } from "vitest";
import { FakeSlack } from "./fake-slack.js";
import { startSlackApp, type SlackApp } from "../../src/lab/processes.js";
import { blockAction, latestQuestion, sendToApp } from "../../src/lab/slack-requests.js";

/** Clicks the button (or menu option) of `value` on the latest question, and waits until the app has moved past it. */
export async function answerLatest(fake: FakeSlack, app: SlackApp, value: string) {
  const q = latestQuestion(fake)!;
  const button = q.elements.find((e) => e.value === value);
  const menu = q.elements.find((e) => (e as { type?: string }).type === "static_select") as
    { action_id: string; options: Array<{ value: string }> } | undefined;
  expect(button ?? menu?.options.find((o) => o.value === value), `${q.question} offers no ${value}`).toBeDefined();
  const click = button ? { actionId: button.action_id, value } : { actionId: menu!.action_id, selected: value };
  const r = await sendToApp(
    app,
    blockAction(fake, { blockId: q.blockId, ...click, messageTs: q.messageTs, threadTs: q.threadTs }),
  );
  expect(r.status).toBe(200);
  await fake.waitFor((calls) =>
    calls.some((c, i) => i > q.index && c.method === "chat.update" && c.args.ts === q.messageTs),
  );
  return q;
}

/**
 * A fake Slack, and the real app started against it, for the tests of one file; both stopped after them. The object
 * returned is filled in before the file's first test.
 */
export function slackAppForFile(start: (fake: FakeSlack) => Promise<SlackApp> = (fake) => startSlackApp(fake)) {
  const running = {} as { fake: FakeSlack; app: SlackApp };
  beforeAll(async () => {
    running.fake = await new FakeSlack().start();
    running.app = await start(running.fake);
  });
  afterAll(async () => {
    await running.app?.stop();
    await running.fake?.stop();
  });
  return running;
}
