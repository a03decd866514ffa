import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRedis, type Running } from "../../src/lab/processes.js";
import { startSlowTarget, type SlowTarget } from "../../src/lab/slow-target.js";
import { FakeSlack } from "../helpers/fake-slack.js";
import {
  blockAction,
  latestQuestion,
  nextQuestion,
  sendToApp,
  slashCommand,
  startSlackApp,
  type SlackApp,
} from "../helpers/slack.js";

let fake: FakeSlack;
let redis: Running;
let hang: SlowTarget;
let env: Record<string, string>;
const started: SlackApp[] = [];
beforeAll(async () => {
  [fake, redis, hang] = await Promise.all([new FakeSlack().start(), startRedis(), startSlowTarget("hang")]);
  const file = join(mkdtempSync(join(tmpdir(), "sessiondoc-workers-")), "sessiondoc.yaml");
  writeFileSync(
    file,
    [
      "targets:",
      `  slow: { url: "${hang.url}/", sessionPath: /login, checkPath: /me }`,
      "limits: { probeTimeoutSeconds: 1 }",
    ].join("\n"),
  );
  env = { SESSIONDOC_CONFIG: file, REDIS_URL: redis.url, LOG_LEVEL: "debug" };
});
afterAll(async () => {
  await Promise.all(started.map((a) => a.stop()));
  await Promise.all([redis?.stop(), hang?.stop(), fake?.stop()]);
});

async function run(args: string[]) {
  const a = await startSlackApp(fake, env, args);
  started.push(a);
  return a;
}

const RESULT = /Most likely|Inconclusive|No fault/;
const inThread = (thread: string) =>
  fake.called("chat.postMessage").filter((c) => c.args.thread_ts === thread && c.args.channel !== undefined);
/** The questions shown in a thread, in order: the question card is posted once and edited for each. */
const questionsIn = (thread: string) => {
  const posted = new Set(inThread(thread).map((c) => c.result?.ts as string));
  return fake.calls
    .filter(
      (c) =>
        (c.method === "chat.postMessage" && c.args.thread_ts === thread) ||
        (c.method === "chat.update" && posted.has(c.args.ts as string)),
    )
    .flatMap((c) =>
      ((c.args.blocks ?? []) as Array<{ block_id?: string }>).flatMap((b) =>
        b.block_id?.startsWith("q|") ? [b.block_id] : [],
      ),
    );
};
const resultsIn = (thread: string) => inThread(thread).filter((c) => RESULT.test(String(c.args.text)));
const rootIn = (channel: string) =>
  fake.called("chat.postMessage").find((c) => c.args.channel === channel && !c.args.thread_ts);

/** The answers of a person who knows little: the same for every diagnosis, so their steps probe alike. */
const KNOWN: Record<string, string> = { symptom: "random-logout", stack: "express", "lb-sticky": "no" };

/** Answers each question through the listeners in turn until the result; the target's requests in each step. */
async function answerToTheEnd(listeners: SlackApp[], thread: string): Promise<number[]> {
  const perStep: number[] = [];
  for (let i = 0; ; i++) {
    const q = latestQuestion(fake)!;
    expect(q.threadTs).toBe(thread);
    const value = KNOWN[q.question] ?? "unknown";
    const button = q.elements.find((e) => e.value === value);
    const click = button
      ? { actionId: button.action_id, value }
      : { actionId: q.elements[0]!.action_id, selected: value };
    const before = hang.requests;
    const r = await sendToApp(
      listeners[i % listeners.length]!,
      blockAction(fake, { blockId: q.blockId, ...click, messageTs: q.messageTs, threadTs: q.threadTs }),
    );
    expect(r.status).toBe(200);
    const next = await nextQuestion(fake, q, () => resultsIn(thread).length > 0, 30_000);
    perStep.push(hang.requests - before);
    if (!next) return perStep;
  }
}

describe("listeners and workers as separate processes", () => {
  it("a worker killed mid-probe: another worker finishes the diagnosis, and no step runs twice", async () => {
    const listeners = await Promise.all([run(["slack", "--no-worker"]), run(["slack", "--no-worker"])]);
    const first = await run(["worker"]);

    // A diagnosis nobody interrupts: what each of its steps asks of the target.
    let before = hang.requests;
    await sendToApp(listeners[0]!, slashCommand(fake, { text: "diagnose slow", channel: "CCALM", user: "UCALM" }));
    await fake.waitFor(
      () => Boolean(rootIn("CCALM")) && questionsIn(rootIn("CCALM")!.result!.ts as string).length > 0,
      30_000,
    );
    const calm = rootIn("CCALM")!.result!.ts as string;
    const startRequests = hang.requests - before;
    const answerRequests = await answerToTheEnd(listeners, calm);
    expect(startRequests).toBeGreaterThan(0);
    console.log(`target requests per step: start ${startRequests}, answers ${answerRequests.join(", ")}`);

    // The same diagnosis, its worker killed while the start step's probes wait on the target.
    const second = await run(["worker"]);
    const logsFrom = started.map((a) => a.logs.length);
    before = hang.requests;
    await sendToApp(listeners[1]!, slashCommand(fake, { text: "diagnose slow", channel: "CKILL", user: "UKILL" }));
    await fake.waitFor(() => hang.requests > before, 20_000);
    const busy = [first, second].find((w) =>
      w.logs.slice(logsFrom[started.indexOf(w)]).some((l) => /job started/.test(l)),
    )!;
    expect(busy).toBeDefined();
    const thread = rootIn("CKILL")!.result!.ts as string;
    expect(questionsIn(thread)).toEqual([]);
    await busy.stop(); // SIGKILL
    const killedAt = hang.requests;
    const killed = performance.now();
    await fake.waitFor(() => questionsIn(thread).length > 0, 40_000);
    console.log(
      `worker killed mid-probe: first question from the other worker ${Math.round(performance.now() - killed)} ms later`,
    );
    // The start step ran once more, whole, on the other worker; every later step once.
    expect(hang.requests - killedAt).toBe(startRequests);
    expect(await answerToTheEnd(listeners, thread)).toEqual(answerRequests);
    // Each question shown once, and the result posted once.
    const asked = questionsIn(thread);
    expect(new Set(asked).size).toBe(asked.length);
    expect(asked.length).toBe(answerRequests.length);
    expect(resultsIn(thread)).toHaveLength(1);
    expect(resultsIn(calm)).toHaveLength(1);
    expect(fake.violations).toEqual([]);
    await second.stop();
  }, 150_000);

  it("a step whose second worker dies too is reported stopped in its thread", async () => {
    const listener = await run(["slack", "--no-worker"]);
    const probing = async (worker: SlackApp) => {
      const before = hang.requests;
      await fake.waitFor(() => hang.requests > before, 30_000);
      expect(worker.logs.some((l) => /job started/.test(l))).toBe(true);
    };
    const first = await run(["worker"]);
    await sendToApp(listener, slashCommand(fake, { text: "diagnose slow", channel: "CTWICE", user: "UTWICE" }));
    await probing(first);
    await first.stop(); // SIGKILL
    const second = await run(["worker"]);
    await probing(second);
    await second.stop(); // SIGKILL, while the step taken over is probing again
    await run(["worker"]);
    const thread = rootIn("CTWICE")!.result!.ts as string;
    await fake.waitFor(() => inThread(thread).some((c) => /stopped/.test(String(c.args.text))), 40_000);
    expect(String(inThread(thread).find((c) => /stopped/.test(String(c.args.text)))!.args.text)).toBe(
      "⚠️ This diagnosis stopped: the app restarted while it was running its probes, and could not finish it. Run it again with `/sessiondoc diagnose slow`.",
    );
    expect(questionsIn(thread)).toEqual([]);
  }, 120_000);
});
