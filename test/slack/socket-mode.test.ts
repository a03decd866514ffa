import { afterAll, describe, expect, it } from "vitest";
import { FakeSlack } from "../helpers/fake-slack.js";
import { startSlackApp, type SlackApp } from "../helpers/slack.js";

let fake: FakeSlack | undefined;
let app: SlackApp | undefined;
afterAll(async () => {
  await app?.stop();
  await fake?.stop();
});

describe("Socket Mode (development, no public URL)", () => {
  it("connects with the app token, acks a slash command over the socket, and starts the diagnosis", async () => {
    fake = await new FakeSlack().start();
    app = await startSlackApp(
      fake,
      { SLACK_SIGNING_SECRET: "", SLACK_APP_TOKEN: "xapp-test-token" },
      ["slack"],
      () => fake!.socketClients > 0,
    );
    expect(fake.called("apps.connections.open")).toHaveLength(1);
    const envelope = fake.pushEnvelope("slash_commands", {
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
    await fake.waitFor(() => fake!.socketAcks.some((a) => a.envelope_id === envelope));
    await fake.waitFor((calls) =>
      calls.some((c) => c.method === "chat.postMessage" && JSON.stringify(c.args.blocks ?? "").includes('"q|')),
    );
    expect(fake.called("chat.postMessage")[0]!.args).toMatchObject({ channel: "CDEV" });
  });
});
