import { readFileSync } from "node:fs";
import { Redis } from "ioredis";
import type { Expectation, Proof } from "./schema.js";
import type { AppNode, AppPaths } from "./stacks/types.js";

/**
 * The lab's own cookie-keeping client: deliberately simple and independent of sessiondoc's probes, so that a
 * scenario's fault is proven by something other than the code under test. Keeps every cookie by name, follows
 * redirects, and ignores cookie attributes (the lab's apps run on one host).
 */
export class LabClient {
  readonly cookies = new Map<string, string>();
  /** Every Set-Cookie header received, attributes and all. */
  readonly setCookies: string[] = [];
  /** The headers of the last answer, one `name: value` a line. */
  lastHeaders = "";

  async request(url: string, init: { method?: string; form?: Record<string, string>; timeoutMs?: number } = {}) {
    let target = new URL(url);
    let method = init.method ?? "GET";
    let body: string | undefined = init.form ? new URLSearchParams(init.form).toString() : undefined;
    for (let hop = 0; hop < 6; hop++) {
      const res = await fetch(target, {
        method,
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(init.timeoutMs ?? 10_000),
        headers: {
          ...(this.cookies.size ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ") } : {}),
          ...(body ? { "content-type": "application/x-www-form-urlencoded" } : {}),
        },
      });
      for (const line of res.headers.getSetCookie()) {
        this.setCookies.push(line);
        const [pair] = line.split(";");
        const eq = pair!.indexOf("=");
        if (eq <= 0) continue;
        const name = pair!.slice(0, eq).trim();
        const value = pair!.slice(eq + 1).trim();
        const expired = /max-age=0\b|max-age=-/i.test(line) || value === "" || value === '""';
        if (expired) this.cookies.delete(name);
        else this.cookies.set(name, value);
      }
      const text = await res.text();
      this.lastHeaders = [...res.headers].map(([k, v]) => `${k}: ${v}`).join("\n");
      const location = res.headers.get("location");
      if (res.status >= 300 && res.status < 400 && location) {
        target = new URL(location, target);
        method = "GET";
        body = undefined;
        continue;
      }
      return { status: res.status, body: text };
    }
    throw new Error(`too many redirects from ${url}`);
  }

  /** Signs in the way the diagnosing engineer configured sessiondoc to. */
  signIn(base: string, paths: Pick<AppPaths, "session" | "login">) {
    if (paths.login) return this.request(new URL(paths.login.path, base).href, paths.login);
    return this.request(new URL(paths.session ?? "/", base).href);
  }
}

export type ProofContext = {
  balancer?: string;
  nodes: AppNode[];
  paths: AppPaths;
  /** A direct address of the store, for INFO and key TTLs. */
  storeUrl?: string;
};

export type ProofResult = { proof: Proof; ok: boolean; measured: string };

function meets(value: number | string, e: Expectation): boolean {
  if ("equals" in e) return value === e.equals;
  if (typeof value !== "number") return false;
  return "above" in e ? value > e.above : value < e.below;
}

function describe(e: Expectation): string {
  return "equals" in e ? `= ${e.equals}` : "above" in e ? `> ${e.above}` : `< ${e.below}`;
}

async function withStore<T>(url: string | undefined, fn: (r: Redis) => Promise<T>): Promise<T> {
  if (!url) throw new Error("this proof needs the scenario's store");
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}

/** Where a proof signs in: the balancer, or a node (1-based). */
function baseOf(proof: { kind: string; via: "balancer" | number }, ctx: ProofContext): string {
  const base = proof.via === "balancer" ? ctx.balancer : ctx.nodes[proof.via - 1]?.url;
  if (!base) throw new Error(`${proof.kind} proof: no ${proof.via === "balancer" ? "balancer" : `node ${proof.via}`}`);
  return base;
}

/**
 * engine.io's long polling, spoken directly: a handshake's `sid`, then polls with it until one is held open for a
 * moment (the node that made the session waits for data) or answered with an error; a few connections, since other
 * traffic through a round robin (the scenario's other proofs) can land a poll on the right node by chance.
 */
async function sessionUnknownPolls(base: string, proof: { path: string; polls: number }) {
  const url = (query: string) => new URL(`${proof.path}?EIO=4&transport=polling${query}`, base).href;
  let count = 0;
  let polls = 0;
  for (let connection = 0; connection < 4 && count === 0; connection++) {
    const client = new LabClient();
    const open = await client.request(url(""));
    const sid = /"sid":"([^"]+)"/.exec(open.body)?.[1];
    if (!sid) throw new Error(`realtime proof: no engine.io handshake at ${proof.path} (${open.status})`);
    for (let i = 0; i < proof.polls; i++) {
      polls++;
      const res = await client.request(url(`&sid=${sid}`), { timeoutMs: 1000 }).catch(() => undefined);
      if (res === undefined) break;
      if (res.status === 400 && res.body.includes("Session ID unknown")) count++;
      else if (res.status !== 200) break;
    }
  }
  return { count, polls };
}

/** Signs in, starts the slow page, adds an item while it runs, and reads the items once both have ended. */
async function lostUpdate(base: string, paths: AppPaths, proof: { slow: string; write: string; read: string }) {
  const client = new LabClient();
  await client.signIn(base, paths);
  const item = `item-${Date.now()}`;
  const slow = client.request(new URL(proof.slow, base).href);
  await new Promise((r) => setTimeout(r, 150));
  await client.request(new URL(proof.write, base).href, { method: "POST", form: { item } });
  await slow;
  const after = await client.request(new URL(proof.read, base).href);
  return !(JSON.parse(after.body) as { items: string[] }).items.includes(item);
}

/** Runs one proof; `ok` says whether what it measured meets the scenario's expectation. */
export async function runProof(proof: Proof, ctx: ProofContext): Promise<ProofResult> {
  switch (proof.kind) {
    case "continuity": {
      const base = baseOf(proof, ctx);
      const signInBase = proof.signInVia ? baseOf({ kind: proof.kind, via: proof.signInVia }, ctx) : base;
      let lost = 0;
      for (let u = 0; u < proof.users; u++) {
        const client = new LabClient();
        await client.signIn(signInBase, ctx.paths);
        for (let i = 0; i < proof.requests; i++) {
          const res = await client.request(new URL(ctx.paths.check, base).href);
          if (!ctx.paths.signedIn(res.status, res.body)) lost++;
        }
      }
      const users = proof.users > 1 ? ` (${proof.users} users)` : "";
      return {
        proof,
        ok: meets(lost, proof.lost),
        measured: `${lost} of ${proof.requests * proof.users} requests${users} lost the session`,
      };
    }
    case "set-cookie": {
      const client = new LabClient();
      await client.signIn(baseOf(proof, ctx), ctx.paths);
      const found = client.setCookies.some((line) => new RegExp(proof.pattern, "i").test(line));
      return {
        proof,
        ok: found,
        measured: `the sign-in set ${client.setCookies.length} cookie(s), ${found ? "one" : "none"} matching /${proof.pattern}/i`,
      };
    }
    case "cross-node": {
      const [from, to] = [ctx.nodes[proof.from - 1], ctx.nodes[proof.to - 1]];
      if (!from || !to) throw new Error(`cross-node proof: nodes ${proof.from} and ${proof.to} are not both there`);
      const client = new LabClient();
      await client.signIn(from.url, ctx.paths);
      const res = await client.request(new URL(ctx.paths.check, to.url).href);
      const recognised = ctx.paths.signedIn(res.status, res.body);
      return {
        proof,
        ok: recognised === proof.recognised,
        measured: `node ${proof.to} ${recognised ? "recognised" : "did not recognise"} a session from node ${proof.from}`,
      };
    }
    case "shared-session": {
      const base = baseOf({ kind: proof.kind, via: "balancer" }, ctx);
      const [a, b] = [new LabClient(), new LabClient()];
      await a.signIn(base, ctx.paths);
      await b.signIn(base, ctx.paths);
      const same = [...a.cookies].filter(([k, v]) => b.cookies.get(k) === v).map(([k]) => k);
      const shared = same.length > 0;
      return {
        proof,
        ok: shared === proof.shared,
        measured: shared
          ? `two visitors signing in received the same ${same.join(", ")}`
          : `two visitors signing in received different cookies (${[...a.cookies.keys()].join(", ") || "none"})`,
      };
    }
    case "response": {
      const base = baseOf({ kind: proof.kind, via: "balancer" }, ctx);
      const client = new LabClient();
      if (proof.signIn) await client.signIn(base, ctx.paths);
      let res = { status: 0, body: "" };
      for (let i = 0; i < proof.times; i++) res = await client.request(new URL(proof.path, base).href);
      const statusOk = !proof.status || meets(res.status, proof.status);
      const matched = !proof.pattern || new RegExp(proof.pattern, "i").test(`${client.lastHeaders}\n\n${res.body}`);
      return {
        proof,
        ok: statusOk && matched,
        measured: `GET ${proof.path}${proof.signIn ? " signed in" : ""} answered ${res.status}${proof.pattern ? `, ${matched ? "matching" : "not matching"} /${proof.pattern}/i` : ""}`,
      };
    }
    case "redis-info": {
      const raw = await withStore(ctx.storeUrl, (r) => r.info());
      const line = raw.split(/\r?\n/).find((l) => l.startsWith(`${proof.field}:`));
      const text = line?.slice(proof.field.length + 1) ?? "";
      const value = text !== "" && !Number.isNaN(Number(text)) ? Number(text) : text;
      return { proof, ok: meets(value, proof.expect), measured: `${proof.field} = ${text || "(absent)"}` };
    }
    case "redis-keys": {
      const { count, maxTtl } = await withStore(ctx.storeUrl, async (r) => {
        let cursor = "0";
        let count = 0;
        let maxTtl = -2;
        do {
          const [next, keys] = await r.scan(cursor, "MATCH", proof.match, "COUNT", 1000);
          cursor = next;
          count += keys.length;
          for (const k of keys) maxTtl = Math.max(maxTtl, await r.ttl(k));
        } while (cursor !== "0");
        return { count, maxTtl };
      });
      const ok = (!proof.count || meets(count, proof.count)) && (!proof.ttl || meets(maxTtl, proof.ttl));
      const wanted = [proof.count && `count ${describe(proof.count)}`, proof.ttl && `ttl ${describe(proof.ttl)}`];
      return {
        proof,
        ok,
        measured: `${count} keys match ${proof.match}, largest TTL ${maxTtl} s (wanted ${wanted.filter(Boolean).join(", ")})`,
      };
    }
    case "realtime": {
      const unknown = await sessionUnknownPolls(baseOf({ kind: proof.kind, via: "balancer" }, ctx), proof);
      return {
        proof,
        ok: meets(unknown.count, proof.unknown),
        measured: `${unknown.count} of ${unknown.polls} polls after a handshake answered "Session ID unknown"`,
      };
    }
    case "lost-update": {
      const base = baseOf({ kind: proof.kind, via: "balancer" }, ctx);
      // A busy machine can delay the write past the slow page: the race is tried a few times.
      let lost = 0;
      const tries = 3;
      for (let i = 0; i < tries; i++) if (await lostUpdate(base, ctx.paths, proof)) lost++;
      return {
        proof,
        ok: lost > 0 === proof.lost,
        measured: `${lost} of ${tries} items added while a slow request of the same session ran were lost`,
      };
    }
    case "log": {
      const nodes = proof.node === undefined ? ctx.nodes : [ctx.nodes[proof.node - 1]];
      const logs = nodes.map((n) => n?.logFile);
      if (!logs.length || logs.some((f) => !f)) throw new Error(`log proof: node ${proof.node ?? "?"} keeps no log`);
      const pattern = new RegExp(proof.pattern);
      const found = logs.some((f) => pattern.test(readFileSync(f!, "utf8")));
      const where = proof.node === undefined ? "a node's log" : `node ${proof.node}'s log`;
      const measured = found
        ? `${where} mentions /${proof.pattern}/`
        : `${proof.node === undefined ? "no node's log mentions" : `${where} does not mention`} /${proof.pattern}/`;
      return { proof, ok: found, measured };
    }
  }
}
