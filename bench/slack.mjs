// Acknowledgement latency of the Slack app (p50/p99/max) while 200 diagnoses are probing: the listener
// (`sessiondoc slack --no-worker`) and two workers (`sessiondoc worker`) as separate processes sharing one Redis,
// the real Bolt app over HTTP with signed requests, the fake Web API, and loopback targets.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { FakeSlack } from "../dist/lab/fake-slack.js";
import { startRedis, startSlackApp } from "../dist/lab/processes.js";
import { blockAction, sendToApp, slashCommand } from "../dist/lab/slack-requests.js";
import { startSlowTarget } from "../dist/lab/slow-target.js";

const PROBING = 200;
const MEASURED = 200;
/** Requests a second while measuring: slash commands and clicks, interleaved. */
const RATE = 40;
const WORKERS = 2;

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const figures = (ms) =>
  `p50 ${percentile(ms, 50).toFixed(0)} ms, p99 ${percentile(ms, 99).toFixed(0)} ms, max ${Math.max(...ms).toFixed(0)} ms, ` +
  `${ms.filter((m) => m > 100).length} of ${ms.length} over 100 ms`;

/** CPU seconds a process has used (user and system), from /proc. */
const cpuSeconds = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

/**
 * Sends requests from a process of its own, so the times measured are the app's, not this process' (which runs the
 * fake Web API for 400 diagnoses): `requests` are `{ body }` each, sent `gapMs` apart (0: all at once).
 */
function sendFromChild(url, requests, gapMs) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [new URL(import.meta.url).pathname, "--send", url, String(gapMs)], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`sender exited ${code}`))));
    child.stdin.end(JSON.stringify(requests));
  });
}

async function send(url, gapMs) {
  let input = "";
  for await (const chunk of process.stdin) input += chunk;
  const sent = [];
  for (const { body } of JSON.parse(input)) {
    sent.push(sendToApp({ url }, body).then(({ status, ms }) => ({ status, ms })));
    if (gapMs) await sleep(gapMs);
  }
  process.stdout.write(JSON.stringify(await Promise.all(sent)));
}

/** A target that answers at once: diagnoses of it reach their first question quickly. */
async function quickTarget() {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html", "set-cookie": "connect.sid=s%3Aquick.sig; Path=/; HttpOnly" });
    res.end("ok");
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${server.address().port}`, stop: () => new Promise((r) => server.close(r)) };
}

export async function benchSlack() {
  const fake = await new FakeSlack().start();
  const redis = await startRedis();
  const busy = await startSlowTarget("trickle");
  const quick = await quickTarget();
  const dir = mkdtempSync(join(tmpdir(), "sessiondoc-bench-"));
  writeFileSync(
    join(dir, "sessiondoc.yaml"),
    [
      "targets:",
      `  busy: { url: "${busy.url}/", sessionPath: /login, checkPath: /me }`,
      `  quick: { url: "${quick.url}/", sessionPath: /login, checkPath: /me }`,
      // The busy target's probes last minutes: they are all still running while acks are measured.
      "limits: { probeTimeoutSeconds: 300, diagnosisTimeoutSeconds: 600, slots: 128, slotsPerTarget: 256 }",
    ].join("\n"),
  );
  const env = {
    SESSIONDOC_CONFIG: join(dir, "sessiondoc.yaml"),
    REDIS_URL: redis.url,
    LOG_LEVEL: "warn",
    SESSIONDOC_WORKER_CONCURRENCY: String(PROBING),
  };
  const processes = [];
  try {
    const listener = await startSlackApp(fake, env, ["slack", "--no-worker"]);
    processes.push(listener);
    for (let i = 0; i < WORKERS; i++) processes.push(await startSlackApp(fake, env, ["worker"]));

    const questions = () =>
      fake.called("chat.postMessage").filter((c) => JSON.stringify(c.args.blocks ?? "").includes('"q|'));
    const start = (target, i, prefix) =>
      sendToApp(
        listener,
        slashCommand(fake, { text: `diagnose ${target}`, user: `${prefix}${i}`, channel: `C${prefix}${i}` }),
      );

    // Warm-up, then the questions the measured clicks answer: diagnoses of the quick target, not measured.
    for (let i = 0; i < 10; i++) await start("quick", i, "UWARM");
    await fake.waitFor(() => questions().length >= 10, 60_000);
    for (let i = 0; i < MEASURED; i += 20)
      await Promise.all(Array.from({ length: 20 }, (_, j) => start("quick", i + j, "UCLICK")));
    await fake.waitFor(() => questions().length >= 10 + MEASURED, 120_000);
    const toClick = questions().slice(10, 10 + MEASURED);

    // The load: 200 diagnoses of the trickling target, all probing at once.
    for (let i = 0; i < PROBING; i += 20)
      await Promise.all(Array.from({ length: 20 }, (_, j) => start("busy", i + j, "UBUSY")));
    const probing = () =>
      new Set(
        fake
          .called("chat.update")
          .filter((c) => String(c.args.channel).startsWith("CUBUSY") && /running/.test(JSON.stringify(c.args.blocks)))
          .map((c) => c.args.channel),
      ).size;
    await fake.waitFor(() => probing() >= PROBING, 120_000);
    const busyResults = () =>
      fake
        .called("chat.postMessage")
        .filter(
          (c) =>
            String(c.args.channel).startsWith("CUBUSY") &&
            c.args.thread_ts &&
            /"q\||Most likely|Inconclusive|No fault/.test(JSON.stringify(c.args)),
        ).length;
    const requestsBefore = busy.requests;

    // Measured: slash commands and clicks, interleaved, at RATE a second.
    const measured = toClick.flatMap((c, i) => {
      const block = c.args.blocks.find((b) => b.block_id?.startsWith("q|"));
      return [
        { body: slashCommand(fake, { text: "diagnose quick", user: `UMEASURE${i}`, channel: `CUMEASURE${i}` }) },
        {
          body: blockAction(fake, {
            blockId: block.block_id,
            actionId: block.elements[0].action_id,
            selected: "idle-logout",
            messageTs: c.result.ts,
            threadTs: c.args.thread_ts,
            channel: c.args.channel,
          }),
        },
      ];
    });
    const pids = {
      listener: listener.process.pid,
      workers: processes.slice(1).map((p) => p.process.pid),
      redis: redis.pid,
    };
    const cpu = () => ({
      listener: cpuSeconds(pids.listener),
      workers: pids.workers.reduce((n, pid) => n + cpuSeconds(pid), 0),
      redis: cpuSeconds(pids.redis),
      bench: process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6,
    });
    const cpuBefore = cpu();
    const load = loadavg()[0];
    const began = performance.now();
    const timed = await sendFromChild(listener.url, measured, 1000 / RATE);
    const seconds = (performance.now() - began) / 1000;
    const cpuAfter = cpu();
    const commands = timed.filter((_, i) => i % 2 === 0);
    const clicks = timed.filter((_, i) => i % 2 === 1);
    const stillProbing = busyResults() === 0;
    // A burst, for comparison: 200 slash commands at the same instant.
    const burst = await sendFromChild(
      listener.url,
      Array.from({ length: MEASURED }, (_, i) => ({
        body: slashCommand(fake, { text: "diagnose quick", user: `UBURST${i}`, channel: `CUBURST${i}` }),
      })),
      0,
    );

    const all = [...commands, ...clicks, ...burst];
    console.log(
      `\nSlack acknowledgement latency with ${PROBING} diagnoses probing a trickling target (listener and ${WORKERS} workers as separate processes, Redis, HTTP round trip)`,
    );
    console.log(`slash commands, ${RATE / 2}/s   ${figures(commands.map((r) => r.ms))}`);
    console.log(`button clicks, ${RATE / 2}/s    ${figures(clicks.map((r) => r.ms))}`);
    const share = (k) => `${Math.round((100 * (cpuAfter[k] - cpuBefore[k])) / seconds)}%`;
    console.log(
      `  meanwhile, of one core: listener ${share("listener")}, workers ${share("workers")}, redis ${share("redis")}, ` +
        `this process (the fake Web API, the targets) ${share("bench")}; load average ${load.toFixed(1)} on ${cpus().length} cores`,
    );
    console.log(`200 slash commands at once ${figures(burst.map((r) => r.ms))}`);
    console.log(
      `all ${all.length} requests answered 200: ${all.every((r) => r.status === 200)}; Block Kit violations: ${fake.violations.length}; ` +
        `the ${PROBING} diagnoses still probing throughout: ${stillProbing} (${busy.requests - requestsBefore} more requests to the target meanwhile)`,
    );
  } finally {
    await Promise.all(processes.map((p) => p.stop()));
    await Promise.all([redis.stop(), busy.stop(), quick.stop(), fake.stop()]);
  }
}

if (process.argv[2] === "--send") await send(process.argv[3], Number(process.argv[4]));
else if (import.meta.url === `file://${process.argv[1]}`) await benchSlack();
