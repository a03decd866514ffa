import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Running } from "../../src/lab/processes.js";
import { sessiondocAsync } from "../helpers/cli.js";
import { FakeSlack } from "../helpers/fake-slack.js";
import { startRedis } from "../helpers/redis.js";
import { blockAction, sendToApp, slashCommand, threadReply, viewSubmission, type SlackApp } from "../helpers/slack.js";
import { CANARIES, leaks, type Canary } from "./canaries.js";
import { appWithConfig } from "./slack-app.js";

/** The affinity cookie's value, which must never be shown as the backend's name. */
const AFFINITY: Canary = { form: "affinity cookie value", secret: "srvCanary99", line: "" };

let fake: FakeSlack;
let app: SlackApp;
let redis: Running;
let web: Server;
let webUrl = "";
beforeAll(async () => {
  // A web app behind a balancer that pins clients with SERVERID, as HAProxy's `cookie SERVERID insert` does.
  web = createServer((req, res) => {
    if (req.url?.startsWith("/login"))
      return res
        .writeHead(200, {
          "set-cookie": [
            `connect.sid=s%3A${randomBytes(12).toString("hex")}.Sig0abc; Path=/; HttpOnly`,
            `SERVERID=${AFFINITY.secret}; Path=/`,
          ],
        })
        .end("signed in");
    res.end(/connect\.sid/.test(req.headers.cookie ?? "") ? "hello, user" : "please sign in");
  });
  await new Promise<void>((r) => web.listen(0, "127.0.0.1", r));
  webUrl = `http://127.0.0.1:${(web.address() as { port: number }).port}`;
  [fake, redis] = await Promise.all([new FakeSlack().start(), startRedis()]);
  app = await appWithConfig(
    fake,
    [
      "targets:",
      "  plain: { facts: { stack: express } }",
      `  sticky: { url: "${webUrl}/", sessionPath: /login, checkPath: /me }`,
    ].join("\n"),
    { REDIS_URL: redis.url, LOG_LEVEL: "debug" },
  );
});
afterAll(async () => {
  await app?.stop();
  await Promise.all([redis?.stop(), fake?.stop(), new Promise((r) => web?.close(r))]);
});

/** Everything the store holds, as text. */
async function storeDump(): Promise<string> {
  const r = new Redis(redis.url);
  const out: string[] = [];
  for (const key of await r.keys("*")) {
    const type = await r.type(key);
    if (type === "string") out.push(key, (await r.get(key)) ?? "");
    else if (type === "set") out.push(key, ...(await r.smembers(key)));
    else if (type === "zset") out.push(key, ...(await r.zrange(key, 0, -1)));
    else if (type === "hash") out.push(key, JSON.stringify(await r.hgetall(key)));
  }
  r.disconnect();
  return out.join("\n");
}

const rootIn = (channel: string) =>
  fake.called("chat.postMessage").find((c) => c.args.channel === channel && !c.args.thread_ts)?.result?.ts as
    string | undefined;

describe(`secrets pasted in ${CANARIES.length} forms, and an affinity cookie's value`, () => {
  const exports: string[] = [];

  it("are masked in the thread, the export, the store and the logs", async () => {
    // Each form goes into its own diagnosis (a thread reply or the evidence modal), and each is exported.
    await Promise.all(
      CANARIES.map(async (c, i) => {
        const channel = `CSECRET${i}`;
        await sendToApp(app, slashCommand(fake, { text: "diagnose plain", channel, user: "USEC" }));
        await fake.waitFor(() => Boolean(rootIn(channel) && latestQuestionIn(channel)), 20_000);
        const thread = rootIn(channel)!;
        const diagnosis = latestQuestionIn(channel)!.blockId.split("|")[1]!;
        if (i % 2)
          await sendToApp(app, threadReply({ channel, threadTs: thread, user: "USEC", text: c.line }), {
            headers: { "content-type": "application/json" },
          });
        else
          await sendToApp(
            app,
            viewSubmission({
              callbackId: "evidence-modal",
              privateMetadata: diagnosis,
              values: { log: { text: { type: "plain_text_input", value: c.line } } },
              user: "USEC",
            }),
          );
        await fake.waitFor(
          () =>
            fake
              .called("chat.postMessage")
              .some((m) => m.args.thread_ts === thread && /added evidence/.test(JSON.stringify(m.args.blocks))),
          20_000,
        );
        const from = fake.calls.length;
        await sendToApp(
          app,
          blockAction(fake, {
            blockId: `result|${diagnosis}`,
            actionId: "summary-markdown",
            value: diagnosis,
            channel,
            user: "USEC",
          }),
        );
        await fake.waitFor(() =>
          fake.calls.slice(from).some((m) => m.method === "chat.postEphemeral" && m.args.channel === channel),
        );
        const exported = String(
          fake.calls.slice(from).find((m) => m.method === "chat.postEphemeral" && m.args.channel === channel)!.args
            .text,
        );
        // The pasted line is in the export, masked.
        expect(exported, c.form).toMatch(/READONLY You can't write against a read only replica/);
        exports.push(exported);
      }),
    );

    // The balancer's affinity cookie, seen by the continuity probe.
    await sendToApp(app, slashCommand(fake, { text: "diagnose sticky", channel: "CSTICKY", user: "USEC" }));
    const progress = () => JSON.stringify(fake.called("chat.update").filter((c) => c.args.channel === "CSTICKY"));
    await fake.waitFor(() => Boolean(latestQuestionIn("CSTICKY")) && /http\.continuity/.test(progress()), 20_000);

    const sinks = {
      slack: JSON.stringify(fake.calls) + JSON.stringify(fake.responses),
      logs: app.logs.join("\n"),
      store: await storeDump(),
      export: exports.join("\n"),
    };
    const found = [...CANARIES, AFFINITY].flatMap((c) =>
      Object.entries(sinks).flatMap(([sink, text]) => (leaks(text, c) ? [`${c.form} in ${sink}`] : [])),
    );
    console.log(
      `canaries: ${CANARIES.length + 1} forms; found ${found.length} in Slack payloads, logs (debug level), store and export`,
    );
    expect(found).toEqual([]);
    expect(sinks.store).toMatch(/READONLY/); // the store was read, and holds the evidence
  });

  it("and the terminal's report names the affinity cookie, never its value", async () => {
    const r = await sessiondocAsync([
      ...["diagnose", "--non-interactive", "--json", "--url", webUrl],
      ...["--session-path", "/login", "--check-path", "/me"],
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/affinity cookie SERVERID kept every one of \d+ requests on one backend/);
    expect(leaks(r.stdout + r.stderr, AFFINITY)).toBe(false);
  });
});

function latestQuestionIn(channel: string) {
  const thread = rootIn(channel);
  if (!thread) return undefined;
  const posts = fake
    .called("chat.postMessage")
    .filter((c) => c.args.thread_ts === thread && JSON.stringify(c.args.blocks ?? "").includes('"q|'));
  const last = posts.at(-1);
  if (!last) return undefined;
  const block = (last.args.blocks as Array<{ block_id?: string }>).find((b) => b.block_id?.startsWith("q|"))!;
  return { blockId: block.block_id! };
}
