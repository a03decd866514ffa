import type { Condition } from "../../model/facts.js";
import type { ProbeOutcome } from "../../model/findings.js";
import type { PlanContext, PlannedRequest, ProbeContext } from "../types.js";
import { connectRedis, parseRedisTarget, type RedisConnection } from "./connection.js";

/** Sessions said to live in a database are not in any Redis given. */
export const SESSIONS_NOT_IN_REDIS: Condition = { fact: "architecture", equals: "database" };

export const CONNECT_TIMEOUT_MS = 3_000;
export const COMMAND_TIMEOUT_MS = 3_000;

/**
 * Connects to the store named by the targets, runs `body`, and always disconnects. An unreachable store becomes a
 * failed outcome with a finding that says where and why, and the fact `store-reachable: false`.
 */
export async function withRedis(
  ctx: ProbeContext,
  body: (conn: RedisConnection) => Promise<ProbeOutcome>,
): Promise<ProbeOutcome> {
  const target = parseRedisTarget(ctx.targets.redis!);
  const timeouts = {
    connectTimeoutMs: Number(ctx.params.connectTimeoutMs ?? CONNECT_TIMEOUT_MS),
    commandTimeoutMs: Number(ctx.params.commandTimeoutMs ?? COMMAND_TIMEOUT_MS),
  };
  let conn: RedisConnection;
  try {
    conn = await connectRedis(target, { ...timeouts, signal: ctx.signal });
  } catch (err) {
    return {
      status: "failed",
      target: target.display,
      findings: [{ id: "unreachable", summary: (err as Error).message, anomaly: true }],
      facts: { "store-reachable": false },
    };
  }
  try {
    return await body(conn);
  } catch (err) {
    const msg = (err as Error).message;
    const summary = /timed? ?out/i.test(msg)
      ? `${target.display} stopped answering (no reply within ${timeouts.commandTimeoutMs / 1000} s)`
      : `${target.display}: ${msg}`;
    return {
      status: "failed",
      target: target.display,
      findings: [{ id: "error", summary, anomaly: true }],
      facts: { "store-reachable": false },
    };
  } finally {
    conn.close();
  }
}

/** One Redis command of a plan, to the store the targets name (shown without its password). */
export type RedisStep = { command: string; times: string; note?: string };

/**
 * What `withRedis` and a probe's `body` send: the client's own commands on connect (and the discovery of a Sentinel
 * master or a Cluster's slots), then `steps` (whose `times` count each master of a Cluster apart).
 */
export function redisPlan(ctx: PlanContext, steps: RedisStep[]): PlannedRequest[] {
  const target = parseRedisTarget(ctx.targets.redis!);
  const to = target.display;
  const step = (s: RedisStep): PlannedRequest => ({ kind: "redis", to, ...s });
  const perNode = target.mode === "cluster" ? "on each master" : "once";
  const connect: RedisStep[] = [
    ...(target.mode === "sentinel"
      ? [
          { command: `SENTINEL get-master-addr-by-name ${target.masterName}`, times: "once per sentinel tried" },
          { command: `SENTINEL sentinels ${target.masterName}`, times: "once", note: "the client learns the others" },
        ]
      : []),
    ...(target.mode === "cluster" ? [{ command: "CLUSTER SLOTS", times: "once", note: "the cluster's masters" }] : []),
    ...(target.password
      ? [{ command: `AUTH ${target.username ? `${target.username} ` : ""}***`, times: perNode, note: "on connect" }]
      : []),
    ...(target.db ? [{ command: `SELECT ${target.db}`, times: perNode, note: "on connect" }] : []),
    { command: "CLIENT SETNAME sessiondoc-probe", times: perNode, note: "on connect" },
    { command: "PING", times: perNode, note: "proves the connection and its credentials" },
  ];
  return [...connect, ...steps].map(step);
}
