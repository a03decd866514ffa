import { Cluster, Redis, type RedisOptions } from "ioredis";
import { ReadOnlyRedis } from "./read-only.js";

export type RedisTarget = {
  mode: "single" | "sentinel" | "cluster";
  tls: boolean;
  username?: string;
  password?: string;
  hosts: Array<{ host: string; port: number }>;
  db: number;
  /** Sentinel: the monitored master's name. */
  masterName?: string;
  /** For messages: the URL without its password. */
  display: string;
};

const URL_RE = /^(rediss?)(?:\+(sentinel|cluster))?:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#]+)(\/[^?#]*)?$/i;

/**
 * redis://[user:pass@]host:port[/db], rediss:// (TLS), redis+sentinel://[user:pass@]host:port[,host:port]/master[/db],
 * redis+cluster://[user:pass@]host:port[,host:port]. Throws with what is wrong.
 */
export function parseRedisTarget(url: string): RedisTarget {
  const m = URL_RE.exec(url.trim());
  if (!m)
    throw new Error(
      "expected redis://[user:pass@]host:port[/db], rediss://…, redis+sentinel://…/master or redis+cluster://…",
    );
  const [, scheme, variant, user, pass, hostList, path] = m;
  const hosts = hostList!.split(",").map((h) => {
    const hm = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(h);
    if (!hm || !hm[1]) throw new Error(`"${h}" is not host:port`);
    return { host: hm[1], port: hm[2] ? Number(hm[2]) : variant === "sentinel" ? 26379 : 6379 };
  });
  const segments = (path ?? "").split("/").filter(Boolean);
  const mode = (variant?.toLowerCase() ?? "single") as RedisTarget["mode"];
  let masterName: string | undefined;
  if (mode === "sentinel") {
    masterName = segments.shift();
    if (!masterName) throw new Error("redis+sentinel:// needs the master name: redis+sentinel://host:26379/mymaster");
  }
  const dbText = segments.shift();
  if (dbText !== undefined && !/^\d+$/.test(dbText)) throw new Error(`the database must be a number, got "${dbText}"`);
  if (mode === "cluster" && dbText && dbText !== "0") throw new Error("Redis Cluster only has database 0");
  if (mode === "single" && hosts.length > 1)
    throw new Error("several hosts need redis+sentinel:// or redis+cluster://");
  const username = user ? decodeURIComponent(user) : undefined;
  const password = pass ? decodeURIComponent(pass) : undefined;
  const display = `${scheme!.toLowerCase()}${variant ? `+${mode}` : ""}://${username ? `${username}${password ? ":***" : ""}@` : password ? ":***@" : ""}${hostList}${path ?? ""}`;
  return {
    mode,
    tls: scheme!.toLowerCase() === "rediss",
    username,
    password,
    hosts,
    db: dbText ? Number(dbText) : 0,
    masterName,
    display,
  };
}

export type RedisConnection = {
  target: RedisTarget;
  /** The server sessions are written to (single server or current master); for a cluster, its first master. */
  primary: ReadOnlyRedis;
  /** Every server whose keyspace holds sessions: one, or each master of a cluster. */
  keyspaces: ReadOnlyRedis[];
  /** Sends a command about one key to the server that holds it (the cluster client itself, on a cluster). */
  router: ReadOnlyRedis;
  commandsSent(): number;
  close(): void;
};

export type ConnectOptions = { connectTimeoutMs: number; commandTimeoutMs: number; signal?: AbortSignal };

/** Connects with timeouts and no retries, so an unreachable store is reported within the timeout, never waited on. */
export async function connectRedis(target: RedisTarget, opts: ConnectOptions): Promise<RedisConnection> {
  const base: RedisOptions = {
    username: target.username,
    password: target.password,
    tls: target.tls ? {} : undefined,
    lazyConnect: true,
    connectTimeout: opts.connectTimeoutMs,
    commandTimeout: opts.commandTimeoutMs,
    enableReadyCheck: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectionName: "sessiondoc-probe",
    // After a failed connect the socket never emits "close"; do not hold the process open for the default 2 s.
    disconnectTimeout: 100,
  };
  const closers: Array<() => void> = [];
  const close = () => closers.forEach((c) => c());
  // ioredis rejects connect() with a generic "Connection is closed"; the cause arrives as an error event.
  let cause: unknown;
  const remember = (err: unknown) => (cause ??= err);
  try {
    if (target.mode === "cluster") {
      const cluster = new Cluster(target.hosts, {
        redisOptions: base,
        lazyConnect: true,
        enableOfflineQueue: false,
        enableReadyCheck: false,
        clusterRetryStrategy: () => null,
        slotsRefreshTimeout: opts.connectTimeoutMs,
      });
      cluster.on("error", remember);
      closers.push(() => cluster.disconnect());
      await bounded(cluster.connect(), opts);
      const masters = cluster.nodes("master");
      const keyspaces = masters.map((n) => new ReadOnlyRedis(n, `${n.options.host}:${n.options.port}`));
      await bounded(Promise.all(keyspaces.map((k) => k.call("PING"))), opts);
      const router = new ReadOnlyRedis(cluster, target.display);
      return {
        target,
        primary: keyspaces[0]!,
        keyspaces,
        router,
        commandsSent: () => keyspaces.reduce((s, k) => s + k.sent, router.sent),
        close,
      };
    }
    const redis =
      target.mode === "sentinel"
        ? new Redis({
            ...base,
            db: target.db,
            sentinels: target.hosts,
            name: target.masterName,
            sentinelRetryStrategy: () => null,
            enableTLSForSentinelMode: target.tls,
          })
        : new Redis({ ...base, db: target.db, host: target.hosts[0]!.host, port: target.hosts[0]!.port });
    redis.on("error", remember);
    closers.push(() => redis.disconnect());
    await bounded(redis.connect(), opts);
    const node = new ReadOnlyRedis(redis, target.display);
    // connect() can succeed before AUTH is checked; PING proves the credentials.
    await bounded(node.call("PING"), opts);
    return { target, primary: node, keyspaces: [node], router: node, commandsSent: () => node.sent, close };
  } catch (err) {
    close();
    throw new Error(connectionProblem(cause ?? err, target, opts.connectTimeoutMs), { cause: err });
  }
}

async function bounded<T>(promise: Promise<T>, opts: ConnectOptions): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("ETIMEDOUT")), opts.connectTimeoutMs);
    opts.signal?.addEventListener("abort", () => reject(new Error("ETIMEDOUT")), { once: true });
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A sentence an SRE can act on, naming where but never the password. */
export function connectionProblem(err: unknown, target: RedisTarget, timeoutMs: number): string {
  const msg = err instanceof Error ? err.message : String(err);
  const where = target.display;
  if (/ECONNREFUSED/.test(msg))
    return `connection refused at ${where}: nothing listens there, or a firewall rejects it`;
  if (/ENOTFOUND|EAI_AGAIN/.test(msg)) return `host not found: ${where}`;
  if (/WRONGPASS|invalid username-password|NOAUTH|AUTH failed|invalid password/i.test(msg)) {
    return `auth failed at ${where}${target.username ? ` for user "${target.username}"` : ""}: check the user name and password`;
  }
  if (/ETIMEDOUT|timed? ?out/i.test(msg)) return `no answer from ${where} within ${Math.round(timeoutMs / 100) / 10} s`;
  if (/All sentinels are unreachable|sentinel/i.test(msg))
    return `no sentinel answered for master "${target.masterName}" at ${where}`;
  if (/SSL|TLS|certificate|EPROTO/i.test(msg)) return `TLS handshake with ${where} failed: ${msg}`;
  if (/Failed to refresh slots cache|ClusterAllFailedError|None of startup nodes/i.test(msg))
    return `cannot read the cluster layout from ${where}`;
  return `cannot connect to ${where}: ${msg}`;
}
