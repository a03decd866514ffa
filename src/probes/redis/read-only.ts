import type { Cluster, Redis } from "ioredis";

/**
 * The only commands sessiondoc ever sends to a team's Redis (besides the client's own AUTH/SELECT/HELLO on connect
 * and cluster/sentinel discovery). Nothing here writes, blocks the server, or reads session contents.
 */
export const ALLOWED_COMMANDS: ReadonlySet<string> = new Set([
  "PING",
  "INFO",
  "TIME",
  "DBSIZE",
  "SCAN",
  "TYPE",
  "TTL",
  "PTTL",
  "EXISTS",
  "MEMORY USAGE",
  "OBJECT IDLETIME",
  "OBJECT ENCODING",
  "CONFIG GET",
  "ROLE",
  "LATENCY LATEST",
  "SLOWLOG GET",
  "SLOWLOG LEN",
  "CLUSTER INFO",
  "CLUSTER NODES",
]);

/** Commands with subcommands are allowed per subcommand (CONFIG GET yes, CONFIG SET no). */
const CONTAINERS = new Set([
  "MEMORY",
  "OBJECT",
  "CONFIG",
  "LATENCY",
  "SLOWLOG",
  "CLUSTER",
  "CLIENT",
  "ACL",
  "DEBUG",
  "SCRIPT",
  "FUNCTION",
  "XINFO",
  "COMMAND",
  "MODULE",
]);

export class CommandRefused extends Error {
  override name = "CommandRefused";
  constructor(readonly command: string) {
    super(`${command} is not on sessiondoc's read-only allowlist; it was not sent`);
  }
}

export function commandName(command: string, args: ReadonlyArray<string | number>): string {
  const cmd = command.toUpperCase();
  return CONTAINERS.has(cmd) && args.length > 0 ? `${cmd} ${String(args[0]).toUpperCase()}` : cmd;
}

export function assertAllowed(command: string, args: ReadonlyArray<string | number>): void {
  const name = commandName(command, args);
  if (!ALLOWED_COMMANDS.has(name)) throw new CommandRefused(name);
}

/** NOPERM (ACL), unknown or renamed commands: the feature is unavailable here, which is not a failure. */
export function isUnavailable(err: unknown): boolean {
  const msg = err instanceof Error ? err.message : String(err);
  return /^NOPERM|unknown command|unknown subcommand|has no permissions/i.test(msg);
}

export type Command = [command: string, ...args: Array<string | number>];
export type Reply = { ok: true; value: unknown } | { ok: false; error: string; unavailable: boolean };

/** A Redis connection that can only send allowlisted commands; every call is counted for the cost report. */
export class ReadOnlyRedis {
  sent = 0;
  constructor(
    private readonly redis: Redis | Cluster,
    readonly label: string,
  ) {}

  async call(command: string, ...args: Array<string | number>): Promise<unknown> {
    assertAllowed(command, args);
    this.sent++;
    return this.redis.call(command, ...args);
  }

  /** Like call(), but NOPERM and unknown commands come back as "unavailable" instead of throwing. */
  async try(command: string, ...args: Array<string | number>): Promise<Reply> {
    try {
      return { ok: true, value: await this.call(command, ...args) };
    } catch (err) {
      if (err instanceof CommandRefused) throw err;
      return { ok: false, error: (err as Error).message, unavailable: isUnavailable(err) };
    }
  }

  /** Sends a batch in one round trip (a pipeline); each reply is separate, so one refusal does not fail the rest. */
  async batch(commands: Command[]): Promise<Reply[]> {
    for (const [cmd, ...args] of commands) assertAllowed(cmd, args);
    if (commands.length === 0) return [];
    this.sent += commands.length;
    const pipeline = this.redis.pipeline();
    for (const [cmd, ...args] of commands) pipeline.call(cmd, ...args);
    const results = (await pipeline.exec()) ?? [];
    return results.map(([err, value]) =>
      err ? { ok: false, error: err.message, unavailable: isUnavailable(err) } : { ok: true, value },
    );
  }
}
