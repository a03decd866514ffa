import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { type DataFileError } from "../../src/data/load-yaml.js";
import { sessiondoc } from "../helpers/cli.js";
import { FakeSlack } from "../helpers/fake-slack.js";
import { startSlackApp } from "../helpers/slack.js";

describe("manifest.yml", () => {
  const manifest = parse(readFileSync(new URL("../../manifest.yml", import.meta.url), "utf8"));

  it("declares the slash command, interactivity, App Home and the events the listeners use", () => {
    expect(manifest.display_information.name.length).toBeLessThanOrEqual(35);
    expect(manifest.display_information.description.length).toBeLessThanOrEqual(140);
    expect(manifest.features.slash_commands).toEqual([
      expect.objectContaining({ command: "/sessiondoc", usage_hint: expect.any(String), should_escape: true }),
    ]);
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(
      expect.arrayContaining(["app_home_opened", "message.channels"]),
    );
  });

  it("asks for the scopes the app uses, and no others", () => {
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual(
      [
        "channels:history",
        "channels:read",
        "chat:write",
        "chat:write.public",
        "commands",
        "groups:history",
        "groups:read",
        "usergroups:read",
        "users:read",
      ].sort(),
    );
  });
});

describe("configuration", () => {
  const dir = mkdtempSync(join(tmpdir(), "sessiondoc-config-"));
  const write = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it("reads targets, with credentials from the environment", () => {
    const file = write(
      "ok.yaml",
      "targets:\n  checkout-prod:\n    url: https://checkout.example.com/\n    redis: ${STORE_URL}\n    facts: { stack: express }\n",
    );
    const { config } = loadConfig({ SESSIONDOC_CONFIG: file, STORE_URL: "redis://probe:pw@10.0.0.5:6379" });
    expect(config.targets["checkout-prod"]).toMatchObject({
      redis: "redis://probe:pw@10.0.0.5:6379",
      facts: { stack: "express" },
    });
  });

  it("names the key that is wrong and what to do", () => {
    const file = write(
      "bad.yaml",
      "targets:\n  checkout-prod:\n    url: https://checkout.example.com/\n    nodez: [x]\n    redis: ${NOT_SET}\n",
    );
    const problems = (() => {
      try {
        loadConfig({ SESSIONDOC_CONFIG: file });
      } catch (err) {
        return (err as DataFileError).problems;
      }
      return [];
    })();
    expect(problems.map((p) => `${p.line}: ${p.path.join(".")}: ${p.message}`)).toEqual([
      "5: targets.checkout-prod.redis: environment variable NOT_SET is not set; export it before starting",
    ]);
    const other = write(
      "bad2.yaml",
      "targets:\n  checkout-prod:\n    url: https://checkout.example.com/\n    nodez: [x]\n",
    );
    expect(() => loadConfig({ SESSIONDOC_CONFIG: other })).toThrow(
      /bad2\.yaml:4: targets\.checkout-prod\.nodez: unknown key "nodez": remove it or check its spelling/,
    );
  });

  it("`npx sessiondoc` with Slack credentials starts the Slack app", async () => {
    const fake = await new FakeSlack().start();
    const app = await startSlackApp(fake, {}, []);
    try {
      expect(await (await fetch(`${app.url}/healthz`)).text()).toBe("ok");
      expect(fake.called("auth.test")).toHaveLength(1);
    } finally {
      await app.stop();
      await fake.stop();
    }
  });

  it("the Slack app refuses to start on an unreachable store, naming it without its password", async () => {
    const r = sessiondoc(["slack"], {
      env: {
        SLACK_BOT_TOKEN: "xoxb-1",
        SLACK_SIGNING_SECRET: "s",
        REDIS_URL: "redis://:Hush-77@127.0.0.1:1",
        PORT: "0",
      },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/diagnosis store at redis:\/\/:\*\*\*@127\.0\.0\.1:1\/?: cannot list/);
    expect(r.stderr).not.toContain("Hush-77");
  });

  it("the Slack app says what is missing, and exits 2", () => {
    const r = sessiondoc(["slack"], { env: { SLACK_BOT_TOKEN: "", SLACK_SIGNING_SECRET: "", SLACK_APP_TOKEN: "" } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /the Slack app needs SLACK_BOT_TOKEN .* and SLACK_SIGNING_SECRET \(HTTP mode\) or SLACK_APP_TOKEN/,
    );
  });

  it("a Slack that cannot be reached at startup is one clear line and exit 1, not a crash", () => {
    const r = sessiondoc(["slack"], {
      env: {
        SLACK_BOT_TOKEN: "xoxb-x",
        SLACK_SIGNING_SECRET: "s",
        SLACK_API_URL: "http://127.0.0.1:1/api/",
        PORT: "0",
      },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^sessiondoc: Slack's Web API did not confirm the bot token .*127\.0\.0\.1:1/m);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});
