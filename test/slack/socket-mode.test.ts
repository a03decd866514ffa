import { afterAll, describe, expect, it } from "vitest";
import { FakeSlack } from "../helpers/fake-slack.js";
import { blockAction, latestQuestion, nextQuestion, startSlackApp, type SlackApp } from "../helpers/slack.js";

let fake: FakeSlack | undefined;
let app: SlackApp | undefined;
afterAll(async () => {
  await app?.stop();
  await fake?.stop();
});

/** Pushes an envelope as Slack does over the socket, and waits for the app to acknowledge it. */
async function push(fake: FakeSlack, type: string, payload: unknown): Promise<void> {
  const envelope = fake.pushEnvelope(type, payload);
  await fake.waitFor(() => fake.socketAcks.some((a) => a.envelope_id === envelope));
}

describe("Socket Mode (no public URL)", () => {
  it("takes a slash command and every click over the socket, to the verdict, and still serves health and metrics", async () => {
    fake = await new FakeSlack().start();
    // No signing secret at all: the socket's own authentication (the app-level token) replaces it.
    app = await startSlackApp(
      fake,
      { SLACK_SIGNING_SECRET: "", SLACK_APP_TOKEN: "xapp-test-token" },
      ["slack"],
      () => fake!.socketClients > 0,
    );
    expect(fake.called("apps.connections.open")).toHaveLength(1);
    expect(fake.called("apps.connections.open")[0]!.token).toBe("xapp-test-token");
    // Health answers 200 once the socket is connected (Slack's "hello" received).
    let health = 0;
    for (const until = Date.now() + 5_000; health !== 200 && Date.now() < until;)
      health = await fetch(`${app.url}/healthz`).then((r) => r.status);
    expect(health).toBe(200);

    fake.users.add("UDEV");
    await push(fake, "slash_commands", {
      token: "legacy",
      team_id: "T1",
      channel_id: "CDEV",
      user_id: "UDEV",
      command: "/sessiondoc",
      text: "diagnose",
      response_url: fake.responseUrl("socket"),
      trigger_id: "t",
      api_app_id: "A1",
    });
    await fake.waitFor(() => latestQuestion(fake!) !== undefined);
    expect(fake.called("chat.postMessage")[0]!.args).toMatchObject({ channel: "CDEV" });

    const known: Record<string, string> = { symptom: "random-logout", architecture: "node-memory", "lb-sticky": "no" };
    const finished = (calls: FakeSlack["calls"]) =>
      calls.some((c) => c.method === "chat.postMessage" && /Most likely cause/.test(String(c.args.text)));
    let clicks = 0;
    for (let q = latestQuestion(fake); q && !finished(fake.calls); q = await nextQuestion(fake, q, finished)) {
      const value = known[q.question] ?? "unknown";
      const button = q.elements.find((e) => e.value === value);
      const menu = q.elements.find((e) => e.type === "static_select");
      const click = button ? { actionId: button.action_id, value } : { actionId: menu!.action_id, selected: value };
      const body = blockAction(fake, {
        blockId: q.blockId,
        ...click,
        messageTs: q.messageTs,
        threadTs: q.threadTs,
        channel: "CDEV",
        user: "UDEV",
      });
      await push(fake, "interactive", JSON.parse(new URLSearchParams(body).get("payload")!));
      clicks++;
      await fake.waitFor((calls) =>
        calls.some((c, i) => i > q!.index && c.method === "chat.update" && c.args.ts === q!.messageTs),
      );
    }
    await fake.waitFor(finished);
    const result = fake.called("chat.postMessage").find((c) => /Most likely cause/.test(String(c.args.text)))!;
    expect(String(result.args.text)).toMatch(/Load balancer not honouring session affinity/);
    expect(clicks).toBeGreaterThan(1);

    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(/sessiondoc_diagnoses_total\{verdict="cause-found"\} 1/);
    expect(fake.violations).toEqual([]);

    // Slack gone: the socket is lost, and health says so.
    await fake.stop();
    for (const until = Date.now() + 10_000; health !== 503 && Date.now() < until;) {
      await new Promise((r) => setTimeout(r, 100));
      health = await fetch(`${app.url}/healthz`).then((r) => r.status);
    }
    expect(health).toBe(503);
  });
});
