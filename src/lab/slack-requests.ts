import { createHmac } from "node:crypto";
import type { FakeSlack } from "./fake-slack.js";

// Requests as Slack sends them to an app: signed, form-encoded slash commands and interaction payloads.

export const SIGNING_SECRET = "test-signing-secret";

export function sign(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
}

/** POSTs a correctly signed request (or a forged / stale one) to /slack/events, as Slack does. */
export async function sendToApp(
  app: { url: string },
  body: string,
  opts: { secret?: string; timestamp?: number; headers?: Record<string, string> } = {},
) {
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const started = performance.now();
  const res = await fetch(`${app.url}/slack/events`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-slack-request-timestamp": String(timestamp),
      "x-slack-signature": sign(opts.secret ?? SIGNING_SECRET, timestamp, body),
      ...opts.headers,
    },
    body,
  });
  const text = await res.text();
  return { status: res.status, text, ms: performance.now() - started };
}

export function slashCommand(
  fake: FakeSlack,
  o: { text?: string; user?: string; channel?: string; triggerId?: string },
): string {
  fake.users.add(o.user ?? "UALICE");
  const fields: Record<string, string> = {
    token: "legacy",
    team_id: "T1",
    team_domain: "fake",
    channel_id: o.channel ?? "CINC",
    channel_name: "incident",
    user_id: o.user ?? "UALICE",
    user_name: "alice",
    command: "/sessiondoc",
    api_app_id: "A1",
    response_url: fake.responseUrl(`cmd-${Math.random().toString(36).slice(2)}`),
    trigger_id: o.triggerId ?? `trigger-${Math.random().toString(36).slice(2)}`,
  };
  if (o.text !== undefined) fields.text = o.text;
  return new URLSearchParams(fields).toString();
}

/** The fields every interaction payload carries. */
function interaction(type: string, user = "UALICE") {
  return {
    type,
    team: { id: "T1", domain: "fake" },
    user: { id: user, username: user.slice(1).toLowerCase(), team_id: "T1" },
    api_app_id: "A1",
    token: "legacy",
  };
}

export function blockAction(
  fake: FakeSlack,
  o: {
    blockId: string;
    actionId: string;
    value?: string;
    selected?: string;
    user?: string;
    channel?: string;
    messageTs?: string;
    threadTs?: string;
    actionTs?: string;
  },
): string {
  fake.users.add(o.user ?? "UALICE");
  const action = o.selected
    ? {
        type: "static_select",
        action_id: o.actionId,
        block_id: o.blockId,
        selected_option: { text: { type: "plain_text", text: o.selected }, value: o.selected },
        action_ts: o.actionTs ?? `${Date.now() / 1000}`,
      }
    : {
        type: "button",
        action_id: o.actionId,
        block_id: o.blockId,
        value: o.value,
        text: { type: "plain_text", text: o.value ?? "" },
        action_ts: o.actionTs ?? `${Date.now() / 1000}`,
      };
  const payload = {
    ...interaction("block_actions", o.user),
    container: {
      type: "message",
      message_ts: o.messageTs ?? "1",
      channel_id: o.channel ?? "CINC",
      is_ephemeral: false,
      thread_ts: o.threadTs,
    },
    trigger_id: "trigger-2",
    channel: { id: o.channel ?? "CINC", name: "incident" },
    message: { type: "message", ts: o.messageTs ?? "1", thread_ts: o.threadTs, text: "question" },
    response_url: fake.responseUrl(`act-${Math.random().toString(36).slice(2)}`),
    actions: [action],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export function viewSubmission(o: {
  callbackId: string;
  privateMetadata: string;
  values: Record<string, Record<string, unknown>>;
  user?: string;
  /** Each opened modal has its own id; a submission sent again carries the same one. */
  viewId?: string;
}): string {
  const payload = {
    ...interaction("view_submission", o.user),
    trigger_id: "trigger-3",
    view: {
      id: o.viewId ?? `V${Math.random().toString(36).slice(2)}`,
      type: "modal",
      callback_id: o.callbackId,
      private_metadata: o.privateMetadata,
      state: { values: o.values },
      hash: "h",
    },
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/**
 * The latest question the app asked, posted or shown on the question card it edits in place: its block id (diagnosis
 * and question), its message ts and its thread.
 */
export function latestQuestion(fake: FakeSlack) {
  const asked = fake.calls.filter(
    (c) =>
      (c.method === "chat.postMessage" || c.method === "chat.update") &&
      Array.isArray(c.args.blocks) &&
      (c.args.blocks as Array<{ block_id?: string }>).some((b) => b.block_id?.startsWith("q|")),
  );
  const last = asked.at(-1);
  if (!last) return undefined;
  const messageTs = (last.method === "chat.update" ? last.args.ts : last.result!.ts) as string;
  const posted = fake.called("chat.postMessage").find((c) => c.result?.ts === messageTs);
  const block = (
    last.args.blocks as Array<{
      block_id?: string;
      elements?: Array<{ action_id: string; value?: string; type?: string }>;
    }>
  ).find((b) => b.block_id?.startsWith("q|"))!;
  const index = fake.calls.indexOf(last);
  return {
    blockId: block.block_id!,
    question: block.block_id!.split("|")[2]!,
    elements: block.elements!,
    index,
    threadTs: posted?.args.thread_ts as string,
    messageTs,
  };
}

/** Waits until the app has posted a question after `after` (an earlier latestQuestion), or `done` holds. */
export async function nextQuestion(
  fake: FakeSlack,
  after: { index: number },
  done: (calls: FakeSlack["calls"]) => boolean = () => false,
  ms?: number,
) {
  await fake.waitFor((calls) => (latestQuestion(fake)?.index ?? -1) > after.index || done(calls), ms);
  const q = latestQuestion(fake)!;
  return q.index > after.index ? q : undefined;
}

/** An Events API delivery (send it with content-type application/json). */
export function eventCallback(
  event: Record<string, unknown>,
  eventId = `Ev${Math.random().toString(36).slice(2)}`,
): string {
  return JSON.stringify({
    token: "legacy",
    team_id: "T1",
    api_app_id: "A1",
    type: "event_callback",
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    event,
  });
}

/** A reply in a thread, as the message event Slack sends for it. */
export function threadReply(o: { channel: string; threadTs: string; user: string; text: string }): string {
  return eventCallback({
    type: "message",
    channel: o.channel,
    user: o.user,
    text: o.text,
    ts: `${Date.now() / 1000}`,
    thread_ts: o.threadTs,
    channel_type: "channel",
  });
}
