import type { FactValue } from "../../model/facts.js";
import type { Finding, ProbeOutcome } from "../../model/findings.js";
import type { Probe } from "../types.js";
import { displayUrl, HttpProblem, type HttpResponse } from "./client.js";
import { times } from "./plan.js";
import { failedOutcome, skippedAfterFailure } from "./findings.js";
import { recogniseAffinity } from "./names.js";
import { httpClient, newJar } from "./session.js";

export const DEFAULT_REALTIME_PATH = "/socket.io/";
const DEFAULT_POLLS = 4;
/** A poll the server keeps open this long is waiting for data: only the node that holds the transport session does. */
const DEFAULT_HOLD_MS = 1_500;
const MAX_HANDSHAKES = 3;

/** engine.io's open packet: `0{"sid":…,"upgrades":[…],"pingInterval":…}` (protocol 4; protocol 3 prefixes a length). */
export function openPacket(body: string): { sid: string; upgrades: string[] } | undefined {
  const m = /^(?:\d+:)?0(\{.*\})/s.exec(body.trim());
  if (!m) return undefined;
  try {
    const open = JSON.parse(m[1]!) as { sid?: unknown; upgrades?: unknown };
    if (typeof open.sid !== "string" || !open.sid) return undefined;
    return { sid: open.sid, upgrades: Array.isArray(open.upgrades) ? open.upgrades.map(String) : [] };
  } catch {
    return undefined;
  }
}

/** engine.io's error answer: `{"code":1,"message":"Session ID unknown"}` and its kin (0: transport unknown). */
export function engineError(res: Pick<HttpResponse, "status" | "body">): { code: number; message: string } | undefined {
  if (res.status !== 400 && res.status !== 403) return undefined;
  try {
    const e = JSON.parse(res.body.toString("utf8")) as { code?: unknown; message?: unknown };
    return typeof e.code === "number" && typeof e.message === "string"
      ? { code: e.code, message: e.message }
      : undefined;
  } catch {
    return undefined;
  }
}

/** What one poll with the sid met: a node that does not know it, one that answered or held it open, or neither. */
export type PollResult = "unknown-sid" | "answered" | "held" | "other";

export function readPoll(res: Pick<HttpResponse, "status" | "body">): PollResult {
  if (res.status === 200) return "answered";
  return engineError(res)?.code === 1 ? "unknown-sid" : "other";
}

/**
 * Polls until one is held open, at most `max`: a held poll is aborted at the hold time, which ends the transport
 * session on that node (as a closed tab does), so no poll may follow it.
 */
export async function pollUntilHeld(poll: () => Promise<PollResult>, max: number): Promise<PollResult[]> {
  const results: PollResult[] = [];
  while (results.length < max) {
    const r = await poll();
    results.push(r);
    if (r === "held" || r === "other") break;
  }
  return results;
}

/**
 * Real-time transports through the balancer, as a browser opens them: one engine.io (socket.io) long-polling
 * handshake, then up to a few polls with its session id. Every request of a polling session must reach the node that
 * made it; a node that does not know the id answers 400 "Session ID unknown" — what users see as real-time features
 * that disconnect and reconnect. Runs only where the app answers a handshake (at `path`, default /socket.io/).
 */
export const httpRealtimeProbe: Probe = {
  name: "http.realtime",
  description:
    "Opens one socket.io (engine.io) polling session through the balancer and checks its polls stay on its node",
  needs: ["url"],
  facts: {
    "realtime-sticky": {
      description: "a real-time polling session stays on the node that made it",
      values: ["yes", "no"],
    },
  },
  uses: ["balancer-answered"],
  findings: {
    "balancer-silent": "not run: the balancer did not answer http.continuity in full",
    "no-realtime-endpoint": "the app answered no engine.io handshake at the path",
    "websocket-only": "the server offers no long polling: a WebSocket stays on one connection to one node",
    "transport-session-unknown": "polls with a fresh session id reached a node that does not know it",
    "transport-session-holds": "every poll reached the node that made the transport session",
    "poll-error": "a poll was answered with neither data nor an engine.io error",
  },
  plan({ targets: t, params }) {
    const endpoint = displayUrl(new URL(typeof params.path === "string" ? params.path : DEFAULT_REALTIME_PATH, t.url!));
    const maxPolls = Number(params.polls ?? DEFAULT_POLLS);
    const when = "only when the balancer answered http.continuity in full";
    return [
      {
        kind: "http",
        method: "GET",
        url: `${endpoint}?EIO=4&transport=polling`,
        times: times(MAX_HANDSHAKES, true),
        followsRedirects: false,
        note: `the engine.io handshake, ${when}`,
      },
      {
        kind: "http",
        method: "GET",
        url: `${endpoint}?EIO=4&transport=polling&sid=<sid>`,
        times: `up to ${maxPolls} per handshake`,
        followsRedirects: false,
        note: "polls with the transport session id the handshake returned",
      },
    ];
  },
  async run(ctx) {
    const t = ctx.targets;
    const given = typeof ctx.params.path === "string";
    const path = given ? String(ctx.params.path) : DEFAULT_REALTIME_PATH;
    const maxPolls = Number(ctx.params.polls ?? DEFAULT_POLLS);
    const holdMs = Number(ctx.params.holdMs ?? DEFAULT_HOLD_MS);
    const endpoint = new URL(path, t.url!);
    const target = displayUrl(endpoint);
    const skipped = skippedAfterFailure(ctx, target);
    if (skipped) return skipped;
    const client = httpClient(ctx);
    const polls = httpClient({ ...ctx, params: { ...ctx.params, requestTimeoutMs: holdMs } });
    const url = (query: string) => new URL(`${endpoint.pathname}?EIO=4&transport=polling${query}`, endpoint);
    try {
      const results: PollResult[] = [];
      let affinity = false;
      let handshakes = 0;
      // Without an affinity cookie a held first poll may be a round robin's lucky draw: a few more connections
      // (each a page view) tell luck from stickiness.
      while (handshakes < MAX_HANDSHAKES) {
        const jar = newJar(t);
        const handshake = await client.fetch(url(""), { jar, followRedirects: false });
        const open = openPacket(handshake.body.toString("utf8"));
        if (!open) {
          if (handshakes === 0) return noPolling(target, handshake, given);
          break;
        }
        handshakes++;
        affinity = jar.names().some((n) => recogniseAffinity(n, jar.get(n)!, undefined));
        const round = await pollUntilHeld(async () => {
          try {
            const sid = encodeURIComponent(open.sid);
            return readPoll(await polls.fetch(url(`&sid=${sid}`), { jar, followRedirects: false }));
          } catch (err) {
            if (err instanceof HttpProblem && err.kind === "timeout") return "held";
            throw err;
          }
        }, maxPolls);
        results.push(...round);
        if (affinity || round.some((r) => r !== "held" && r !== "answered")) break;
      }
      return { status: "ok", target, ...realtimeFindings(target, results, affinity, handshakes) };
    } catch (err) {
      return failedOutcome(err, target);
    } finally {
      await Promise.all([client.close(), polls.close()]);
    }
  },
};

/** No long-polling session at the path: WebSocket only (engine.io's code 0, "Transport unknown"), or no engine.io. */
function noPolling(target: string, handshake: HttpResponse, given: boolean): ProbeOutcome {
  const refused = engineError(handshake);
  if (refused?.code === 0)
    return {
      status: "ok",
      target,
      findings: [
        {
          id: "websocket-only",
          summary: `${target} refused a long-polling handshake ("${refused.message}"): real-time clients connect by WebSocket only, and a WebSocket stays on the connection to one node`,
        },
      ],
      facts: {},
    };
  return {
    status: given ? "partial" : "ok",
    target,
    findings: [
      {
        id: "no-realtime-endpoint",
        summary: `${target} answered ${handshake.status} to an engine.io handshake: no socket.io here${given ? "" : " (give --realtime-path where the app serves it)"}`,
        data: { status: handshake.status, given },
      },
    ],
    facts: {},
  };
}

export function realtimeFindings(
  target: string,
  results: PollResult[],
  affinityCookie: boolean,
  handshakes = 1,
): { findings: Finding[]; facts: Record<string, FactValue> } {
  const unknown = results.filter((r) => r === "unknown-sid").length;
  const reached = results.filter((r) => r === "answered" || r === "held").length;
  const data = { polls: results.length, unknown, reached, affinityCookie, handshakes };
  const shape = results.map((r) => ({ "unknown-sid": "✗", answered: "✓", held: "✓", other: "?" })[r]).join("");
  if (unknown > 0)
    return {
      findings: [
        {
          id: "transport-session-unknown",
          summary: `${unknown} of ${results.length} polls (${shape}) right after a socket.io handshake at ${target} were answered 400 "Session ID unknown": the balancer sends a long-polling session's requests to nodes that did not make it${affinityCookie ? ", although it set an affinity cookie" : " (no affinity cookie)"}`,
          data,
        },
      ],
      facts: { "realtime-sticky": "no" },
    };
  if (results.at(-1) === "other")
    return {
      findings: [
        {
          id: "poll-error",
          summary: `a poll at ${target} was answered with neither data nor an engine.io error`,
          data,
        },
      ],
      facts: {},
    };
  return {
    findings: [
      {
        id: "transport-session-holds",
        summary: `${reached} of ${results.length} polls after ${handshakes === 1 ? "a socket.io handshake" : `${handshakes} socket.io handshakes`} at ${target} reached the node holding the session${affinityCookie ? " (kept there by the balancer's affinity cookie)" : " (no affinity cookie: the balancer pins by something else, or this was chance)"}`,
        data,
      },
    ],
    facts: affinityCookie ? { "realtime-sticky": "yes" } : {},
  };
}
