import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeSlack } from "../helpers/fake-slack.js";
import { blockAction, sendToApp, startSlackApp, type SlackApp } from "../helpers/slack.js";

// Listeners the end-to-end Slack tests do not reach on their own: each is driven here by one signed request.
let fake: FakeSlack;
let app: SlackApp;
beforeAll(async () => {
  fake = await new FakeSlack().start();
  const config = join(mkdtempSync(join(tmpdir(), "sessiondoc-listeners-")), "sessiondoc.yaml");
  // Nothing listens on port 9: the probes fail at once, and the diagnosis goes on to its questions.
  writeFileSync(config, ["targets:", "  shop:", "    url: http://127.0.0.1:9/"].join("\n"));
  app = await startSlackApp(fake, { SESSIONDOC_CONFIG: config });
});
afterAll(async () => {
  await app?.stop();
  await fake?.stop();
});

describe("Slack listeners", () => {
  it("the Add evidence button opens the evidence modal for its diagnosis", async () => {
    const r = await sendToApp(
      app,
      blockAction(fake, { blockId: "result|d-1", actionId: "add-evidence", value: "d-1" }),
    );
    expect(r.status).toBe(200);
    await fake.waitFor((calls) => calls.some((c) => c.method === "views.open"));
    const { view } = fake.called("views.open").at(-1)!.args as {
      view: { callback_id: string; private_metadata: string; blocks: Array<{ block_id: string }> };
    };
    expect(view).toMatchObject({ callback_id: "evidence-modal", private_metadata: "d-1" });
    expect(view.blocks.map((b) => b.block_id)).toEqual(["log"]);
  });

  it("the target menu starts the diagnosis of the target chosen in it", async () => {
    const r = await sendToApp(app, blockAction(fake, { blockId: "menu", actionId: "pick-target", selected: "shop" }));
    expect(r.status).toBe(200);
    await fake.waitFor((calls) =>
      calls.some(
        (c) => c.method === "chat.postMessage" && c.args.text === "Session diagnosis of *shop* started by <@UALICE>",
      ),
    );
  });
});
