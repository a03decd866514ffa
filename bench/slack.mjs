// Acknowledgement latency of the Slack app (p50/p99) with 200 diagnoses in flight: 200 slash commands at once,
// then a click on each diagnosis' first question, all through the real Bolt app and a shared Redis.
import { FakeSlack } from "../dist/lab/fake-slack.js";
import { startRedis, startSlackApp } from "../dist/lab/processes.js";
import { blockAction, sendToApp, slashCommand } from "../dist/lab/slack-requests.js";

const IN_FLIGHT = 200;

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

export async function benchSlack() {
  const fake = await new FakeSlack().start();
  const redis = await startRedis();
  let app;
  try {
    app = await startSlackApp(fake, { REDIS_URL: redis.url, LOG_LEVEL: "warn" });
    // A running app is warm: a few diagnoses first, not measured, so the figures are not the JIT's first steps.
    const questionsPosted = () =>
      fake.called("chat.postMessage").filter((c) => JSON.stringify(c.args.blocks ?? "").includes('"q|'));
    for (let i = 0; i < 10; i++)
      await sendToApp(app, slashCommand(fake, { text: "diagnose", user: `UWARM${i}`, channel: `CWARM${i}` }));
    await fake.waitFor(() => questionsPosted().length >= 10, 60_000);
    const warm = questionsPosted().length;
    const commands = await Promise.all(
      Array.from({ length: IN_FLIGHT }, (_, i) =>
        sendToApp(app, slashCommand(fake, { text: "diagnose", user: `U${i}`, channel: `C${i}` })),
      ),
    );
    await fake.waitFor(() => questionsPosted().length >= warm + IN_FLIGHT, 120_000);
    const clicks = await Promise.all(
      questionsPosted()
        .slice(warm)
        .map((c) => {
          const block = c.args.blocks.find((b) => b.block_id?.startsWith("q|"));
          const menu = block.elements[0];
          return sendToApp(
            app,
            blockAction(fake, {
              blockId: block.block_id,
              actionId: menu.action_id,
              selected: "idle-logout",
              messageTs: c.result.ts,
              threadTs: c.args.thread_ts,
              channel: c.args.channel,
            }),
          );
        }),
    );
    await fake.waitFor(() => questionsPosted().length >= warm + 2 * IN_FLIGHT, 120_000);
    const ok = [...commands, ...clicks].every((r) => r.status === 200);
    console.log(
      `\nSlack acknowledgement latency, ${IN_FLIGHT} diagnoses in flight (real Bolt app, Redis store, HTTP round trip)`,
    );
    for (const [name, runs] of [
      ["slash commands", commands],
      ["button clicks", clicks],
    ]) {
      const ms = runs.map((r) => r.ms);
      console.log(
        `${name.padEnd(15)} p50 ${percentile(ms, 50).toFixed(0)} ms, p99 ${percentile(ms, 99).toFixed(0)} ms, max ${Math.max(...ms).toFixed(0)} ms`,
      );
    }
    console.log(`all ${2 * IN_FLIGHT} requests answered 200: ${ok}; Block Kit violations: ${fake.violations.length}`);
  } finally {
    await app?.stop();
    await redis.stop();
    await fake.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchSlack();
