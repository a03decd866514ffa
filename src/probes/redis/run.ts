import type { ProbeOutcome } from "../../model/findings.js";
import type { ProbeContext } from "../types.js";
import { connectRedis, parseRedisTarget, type RedisConnection } from "./connection.js";

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
