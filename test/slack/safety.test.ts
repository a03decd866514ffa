import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bringUp, loadScenarios, type Lab } from "../../src/lab/scenario.js";
import { FakeSlack } from "../helpers/fake-slack.js";
import {
  blockAction,
  latestQuestion,
  nextQuestion,
  sendToApp,
  slashCommand,
  startSlackApp,
  viewSubmission,
  type SlackApp,
} from "../helpers/slack.js";

let fake: FakeSlack;
let app: SlackApp;
let lab: Lab;
let storeUrl = "";
const PASSWORD = "Pr0be-Secret-77";

beforeAll(async () => {
  fake = await new FakeSlack().start();
  const dir = mkdtempSync(join(tmpdir(), "sessiondoc-slack-"));
  lab = await bringUp(
    loadScenarios().find((s) => s.id === "key-mismatch")!,
    { workDir: dir },
  );
  const arg = (flag: string) => lab.args[lab.args.indexOf(flag) + 1]!;
  const nodes = lab.args.flatMap((a, i) => (a === "--node" ? [lab.args[i + 1]!] : []));
  const config = join(dir, "sessiondoc.yaml");
  writeFileSync(
    config,
    [
      "targets:",
      "  checkout-prod:",
      `    url: ${arg("--url")}`,
      `    nodes: [${nodes.join(", ")}]`,
      "    redis: ${CHECKOUT_REDIS_URL}",
      "    sessionPath: /login",
      "    checkPath: /me",
      "    healthPath: /health",
      "    backendHeader: X-Backend",
      "    allowed: { channels: [CINC], usergroups: [SONCALL] }",
      "  store-only:",
      "    redis: ${CHECKOUT_REDIS_URL}",
      "allowlist: [127.0.0.1]",
    ].join("\n"),
  );
  const redisUrl = arg("--redis").replace("redis://", `redis://default:${PASSWORD}@`);
  storeUrl = redisUrl;
  // The lab's store has no password; set one so a leak would show.
  const { Redis } = await import("ioredis");
  const admin = new Redis(arg("--redis"));
  await admin.config("SET", "requirepass", PASSWORD);
  admin.disconnect();
  app = await startSlackApp(fake, { SESSIONDOC_CONFIG: config, CHECKOUT_REDIS_URL: redisUrl });
});
afterAll(async () => {
  await app?.stop();
  await lab?.stop();
  await fake?.stop();
});

describe("requests Slack did not sign", () => {
  it("a forged signature gets 401 and nothing happens", async () => {
    const before = fake.calls.length;
    const r = await sendToApp(app, slashCommand(fake, { text: "diagnose checkout-prod" }), {
      secret: "not-the-secret",
    });
    expect(r.status).toBe(401);
    await new Promise((res) => setTimeout(res, 300));
    expect(fake.calls.length).toBe(before);
  });

  it("a replayed request older than 5 minutes gets 401", async () => {
    const before = fake.calls.length;
    const r = await sendToApp(app, slashCommand(fake, { text: "diagnose checkout-prod" }), {
      timestamp: Math.floor(Date.now() / 1000) - 6 * 60,
    });
    expect(r.status).toBe(401);
    await new Promise((res) => setTimeout(res, 300));
    expect(fake.calls.length).toBe(before);
  });
});

describe("probing a configured target", () => {
  it("is refused, politely, to users outside its channels and groups", async () => {
    const r = await sendToApp(
      app,
      slashCommand(fake, { text: "diagnose checkout-prod", channel: "CRANDOM", user: "UMALLORY" }),
    );
    expect(r.status).toBe(200);
    await fake.waitFor((calls) => calls.some((c) => c.method === "chat.postEphemeral" && c.args.user === "UMALLORY"));
    expect(String(fake.called("chat.postEphemeral").find((c) => c.args.user === "UMALLORY")!.args.text)).toMatch(
      /not allowed to run probes against `checkout-prod`/,
    );
    expect(fake.called("chat.postMessage").some((c) => c.args.channel === "CRANDOM")).toBe(false);
  });

  it("runs the probes with live progress, names the cause, and never shows a secret", async () => {
    const started = fake.calls.length;
    const r = await sendToApp(
      app,
      slashCommand(fake, { text: "diagnose checkout-prod", channel: "COTHER", user: "UONCALL" }),
    );
    expect(r.status).toBe(200);
    expect(r.ms).toBeLessThan(3000);
    await fake.waitFor(
      (calls) =>
        calls
          .slice(started)
          .some(
            (c) =>
              c.method === "chat.postMessage" &&
              /Most likely cause: Signing or encryption keys differ/.test(String(c.args.text)),
          ),
      30_000,
    );
    const progress = fake.calls
      .slice(started)
      .filter((c) => c.method === "chat.update" && JSON.stringify(c.args.blocks).includes("*Probes*"));
    expect(progress.length).toBeGreaterThan(0);
    expect(JSON.stringify(progress.at(-1)!.args.blocks)).toMatch(/redis\.lookup/);
    const everything = JSON.stringify(fake.calls) + JSON.stringify(fake.responses) + app.logs.join("\n");
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toMatch(/connect\.sid=s%3A/);
    // Every probe run is an audit event: who, which target, which probes, which verdict.
    const audit = app.logs.map((l) => JSON.parse(l)).filter((l) => l.audit);
    expect(audit.some((l) => l.user === "UONCALL" && l.target === "checkout-prod" && Array.isArray(l.probes))).toBe(
      true,
    );
    expect(audit.some((l) => l.verdict === "cause-found" && l.cause === "key-mismatch")).toBe(true);
  });

  it("rejects an ad-hoc URL outside the allowlist", async () => {
    await sendToApp(
      app,
      slashCommand(fake, { text: "diagnose https://169.254.169.254/", channel: "CINC", user: "UBOB" }),
    );
    await fake.waitFor((calls) => calls.some((c) => c.method === "chat.postEphemeral" && c.args.user === "UBOB"));
    expect(String(fake.called("chat.postEphemeral").find((c) => c.args.user === "UBOB")!.args.text)).toMatch(
      /not in sessiondoc's allowlist/,
    );
  });
});

describe("clicks", () => {
  it("a retried request is handled once, and an old question's button gets a polite note", async () => {
    const started = fake.calls.length;
    const responses = fake.responses.length;
    await sendToApp(app, slashCommand(fake, { text: "diagnose", channel: "CINC", user: "UCAROL" }));
    await fake.waitFor(() => fake.responses.length > responses);
    expect(JSON.stringify(fake.responses.at(-1)!.body)).toMatch(/Which system should I diagnose\?.*checkout-prod/);
    // The target menu: choose to go without probes.
    const menu = await sendToApp(
      app,
      blockAction(fake, { blockId: "menu", actionId: "pick-target-none", value: "-", user: "UCAROL" }),
    );
    expect(menu.status).toBe(200);
    await fake.waitFor((calls) =>
      calls
        .slice(started)
        .some((c) => c.method === "chat.postMessage" && JSON.stringify(c.args.blocks ?? "").includes('"q|')),
    );
    const q = latestQuestion(fake)!;
    const menuElement = q.elements[0] as unknown as { action_id: string };
    const click = blockAction(fake, {
      blockId: q.blockId,
      actionId: menuElement.action_id,
      selected: "csrf-errors",
      messageTs: q.messageTs,
      threadTs: q.threadTs,
      user: "UCAROL",
      actionTs: "1700000001.000001",
    });
    const [first, retry] = await Promise.all([
      sendToApp(app, click),
      sendToApp(app, click, { headers: { "x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout" } }),
    ]);
    expect([first.status, retry.status]).toEqual([200, 200]);
    await nextQuestion(fake, q);
    await new Promise((res) => setTimeout(res, 300));
    expect(fake.calls.filter((c) => c.method === "chat.update" && c.args.ts === q.messageTs)).toHaveLength(1);
    expect(fake.calls.filter((c) => c.method === "chat.postEphemeral" && c.args.user === "UCAROL")).toHaveLength(0);

    // A different user clicks the already-answered question.
    await sendToApp(
      app,
      blockAction(fake, {
        blockId: q.blockId,
        actionId: menuElement.action_id,
        selected: "idle-logout",
        messageTs: q.messageTs,
        threadTs: q.threadTs,
        user: "UDAVE",
      }),
    );
    await fake.waitFor((calls) => calls.some((c) => c.method === "chat.postEphemeral" && c.args.user === "UDAVE"));
    expect(String(fake.called("chat.postEphemeral").find((c) => c.args.user === "UDAVE")!.args.text)).toMatch(
      /already answered/,
    );
  });

  it("pasted evidence in a modal is matched, added and shown in the thread", async () => {
    const q = latestQuestion(fake)!;
    const diagnosis = q.blockId.split("|")[1]!;
    const bad = await sendToApp(
      app,
      viewSubmission({
        callbackId: "evidence-modal",
        privateMetadata: diagnosis,
        values: { log: { text: { type: "plain_text_input", value: "all good here" } } },
      }),
    );
    expect(JSON.parse(bad.text)).toMatchObject({
      response_action: "errors",
      errors: { log: expect.stringMatching(/No known error signature/) },
    });
    const good = await sendToApp(
      app,
      viewSubmission({
        callbackId: "evidence-modal",
        privateMetadata: diagnosis,
        values: { log: { text: { type: "plain_text_input", value: "ForbiddenError: invalid csrf token" } } },
      }),
    );
    expect(good.status).toBe(200);
    await fake.waitFor((calls) =>
      calls.some((c) => c.method === "chat.postMessage" && /added evidence/.test(JSON.stringify(c.args.blocks ?? ""))),
    );
  });
});

describe("free-text questions", () => {
  it("open a modal whose answer is checked before it closes", async () => {
    // Sessions that live five minutes: the store's lifetime needs comparing with the app's idle timeout.
    const { Redis } = await import("ioredis");
    const admin = new Redis(storeUrl);
    for (const key of (await admin.scan("0", "MATCH", "sess:*", "COUNT", 1000))[1]) await admin.expire(key, 300);
    admin.disconnect();
    const started = fake.calls.length;
    await sendToApp(app, slashCommand(fake, { text: "diagnose store-only", channel: "CINC", user: "UGINA" }));
    await fake.waitFor(
      (calls) =>
        calls
          .slice(started)
          .some((c) => c.method === "chat.postMessage" && JSON.stringify(c.args.blocks ?? "").includes('"q|')),
      20_000,
    );
    // What users see comes first; once idle logouts are reported, the app's idle timeout is asked (typed in a modal).
    let q = latestQuestion(fake)!;
    for (let i = 0; q.question !== "idle-timeout" && i < 10; i++) {
      const value = q.question === "symptom" ? "idle-logout" : "unknown";
      const pick = q.elements.find((e) => e.value === value) ?? q.elements[0]!;
      await sendToApp(
        app,
        blockAction(fake, {
          blockId: q.blockId,
          actionId: pick.action_id,
          ...(pick.value === value ? { value } : { selected: value }),
          messageTs: q.messageTs,
          threadTs: q.threadTs,
          user: "UGINA",
        }),
      );
      q = (await nextQuestion(fake, q, undefined, 20_000))!;
    }
    expect(q.question).toBe("idle-timeout");
    const button = q.elements.find((e) => e.action_id === "answer-text")!;
    await sendToApp(
      app,
      blockAction(fake, {
        blockId: q.blockId,
        actionId: button.action_id,
        value: button.value,
        messageTs: q.messageTs,
        threadTs: q.threadTs,
        user: "UGINA",
      }),
    );
    await fake.waitFor((calls) => calls.slice(started).some((c) => c.method === "views.open"));
    const view = fake.calls.slice(started).find((c) => c.method === "views.open")!.args.view as {
      private_metadata: string;
      callback_id: string;
    };
    const submit = (value: string) =>
      sendToApp(
        app,
        viewSubmission({
          callbackId: view.callback_id,
          privateMetadata: view.private_metadata,
          values: { answer: { value: { type: "plain_text_input", value } } },
          user: "UGINA",
        }),
      );
    const bad = await submit("soon");
    expect(JSON.parse(bad.text)).toMatchObject({
      response_action: "errors",
      errors: { answer: expect.stringMatching(/"soon" is not a valid answer: a number of seconds, or with a unit/) },
    });
    expect((await submit("30m")).status).toBe(200);
    await fake.waitFor(
      (calls) =>
        calls.some(
          (c) =>
            c.method === "chat.update" &&
            c.args.ts === q.messageTs &&
            JSON.stringify(c.args.blocks).includes("<@UGINA> answered *30m*"),
        ),
      20_000,
    );
  });
});

describe("operations", () => {
  it("/healthz and /metrics answer for load balancers and Prometheus", async () => {
    expect(await (await fetch(`${app.url}/healthz`)).text()).toBe("ok");
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(/sessiondoc_diagnoses_total\{verdict="cause-found"\} [1-9]/);
    expect(metrics).toMatch(/sessiondoc_probe_duration_seconds_count\{probe="redis.info",status="ok"\} [1-9]/);
    expect(metrics).toMatch(/sessiondoc_ack_latency_seconds_bucket\{le="3",kind="command"\} [1-9]/);
  });

  it("App Home lists the recent diagnoses this person may see, with their verdict", async () => {
    const body = JSON.stringify({
      token: "legacy",
      team_id: "T1",
      api_app_id: "A1",
      type: "event_callback",
      event_id: "Ev1",
      event_time: Math.floor(Date.now() / 1000),
      event: { type: "app_home_opened", user: "UONCALL", channel: "D1", tab: "home", event_ts: "1.1" },
    });
    const r = await sendToApp(app, body, { headers: { "content-type": "application/json" } });
    expect(r.status).toBe(200);
    await fake.waitFor((calls) => calls.some((c) => c.method === "views.publish"));
    const view = JSON.stringify(fake.called("views.publish").at(-1)!.args.view);
    expect(view).toContain("Recent diagnoses");
    expect(view).toMatch(/checkout-prod\* — cause-found/);
    expect(fake.violations).toEqual([]);
  });
});
