import type { FactValue } from "../../model/facts.js";
import type { Finding } from "../../model/findings.js";
import type { NodeSession, Probe, StoreReading } from "../types.js";
import { customLayout, LAYOUTS, sessionIdFromCookie } from "./layouts.js";
import type { ReadOnlyRedis } from "./read-only.js";
import type { RedisConnection } from "./connection.js";
import { redisPlan, SESSIONS_NOT_IN_REDIS, withRedis } from "./run.js";

/** An id shorter than this could match unrelated keys by chance; it is looked up only under known layouts. */
const MIN_SCANNABLE_ID = 16;
const SCAN_CALLS_PER_ID = 100;
const SCAN_COUNT = 1000;
/** Above this many commands a second from other clients, a change in the store's size says nothing about ours. */
const QUIET_OPS_PER_SECOND = 20;

/** Where a session was found: its key and the prefix before its id; `absent` when a complete search found nothing. */
type Where = { session: NodeSession; key?: string; prefix?: string; prefixes?: string[]; absent?: boolean };

/**
 * Looks up, read-only, the sessions http.nodes obtained on each node: under the known layouts (EXISTS), else by a
 * bounded SCAN for the id, else — when the store is quiet — by how much the store grew while they were made. Together
 * with whether the other nodes recognised them, this splits "not recognised": in the store means the other node could
 * not read it (keys or prefixes differ), not in the store means it never left the node. An id that cannot be mapped to
 * a key is said so, and counts for nothing.
 */
export const redisLookupProbe: Probe = {
  name: "redis.lookup",
  description: "Finds the sessions created on each node in the store, to split key-mismatch from lb-affinity",
  needs: ["redis"],
  irrelevantWhen: SESSIONS_NOT_IN_REDIS,
  facts: {
    "sessions-in-store": { description: "sessions created on the nodes are in the store", values: ["yes", "no"] },
    "keys-shared": { description: "the nodes read each other's session cookies", values: ["no"] },
  },
  findings: {
    "nothing-to-look-up": "no sessions were obtained on the nodes",
    "store-is-replica": "the store is a replica: where sessions go cannot be told from it",
    "in-store-but-unreadable": "the nodes' sessions are in the store, yet the other nodes did not recognise them",
    "prefixes-differ": "the nodes keep their sessions under different key prefixes",
    "in-store": "the nodes' sessions are in the store",
    "not-in-store": "the nodes' sessions are not in the store",
    "in-store-unmapped": "the store grew by the sessions made, though their ids map to no key (encrypted cookies)",
    "id-unmapped": "the session ids could not be mapped to keys, and the store's size could not tell",
    "balancer-session-in-store": "with no node given, the sessions obtained through the balancer are in the store",
    "balancer-sessions-split": "with no node given, some sessions obtained through the balancer are in the store",
    "balancer-session-not-found": "with no node given, none of the sessions obtained through the balancer is in it",
    unreachable: "the store could not be reached",
    error: "the store failed mid-probe",
  },
  uses: ["node-sessions", "balancer-sessions", "store-reading"],
  provides: ["session-prefix"],
  plan: (ctx) => {
    const layouts = ctx.targets.sessionPrefix ? [customLayout(ctx.targets.sessionPrefix)] : LAYOUTS;
    const when = ctx.targets.nodes.length
      ? "for each session http.nodes obtained"
      : "for each session http.continuity's visitors obtained through the balancer (no node given)";
    return redisPlan(ctx, [
      ...layouts.map((l) => ({ command: `EXISTS ${l.keyFor("<session id>")}`, times: "once", note: when })),
      {
        command: `SCAN <cursor> MATCH *<session id>* COUNT ${SCAN_COUNT}`,
        times: `up to ${SCAN_CALLS_PER_ID} per master`,
        note: `${when} that no layout's key holds (ids of ${MIN_SCANNABLE_ID} characters or more)`,
      },
      { command: "DBSIZE", times: "once per master", note: "how much the store grew since redis.info's reading" },
    ]);
  },
  run: (ctx) =>
    withRedis(ctx, async (conn) => {
      const target = conn.target.display;
      const sessions = ctx.handoff.get("node-sessions") ?? [];
      const viaBalancer = ctx.handoff.get("balancer-sessions") ?? [];
      if (sessions.length === 0 && viaBalancer.length === 0)
        return {
          status: "skipped",
          target,
          findings: [{ id: "nothing-to-look-up", summary: "no sessions were obtained on the nodes to look up" }],
          facts: {},
        };
      if (ctx.facts["store-role"] === "replica")
        return {
          status: "skipped",
          target,
          findings: [
            {
              id: "store-is-replica",
              summary:
                "the store is a replica that refuses session writes, so where sessions go cannot be told from it",
            },
          ],
          facts: {},
        };
      const found: Where[] = [];
      for (const session of sessions.length ? sessions : viaBalancer)
        found.push(await locate(conn, session, ctx.targets.sessionPrefix));
      if (sessions.length === 0) {
        const prefix = found.find((w) => w.prefix)?.prefix;
        if (prefix) ctx.handoff.set("session-prefix", prefix);
        return { status: "ok", target, ...balancerSessionFindings(found) };
      }
      const facts: Record<string, FactValue> = {};
      const findings = interpret(
        found,
        ctx.facts["cross-node"],
        await growth(conn.keyspaces, ctx.handoff.get("store-reading")),
        facts,
      );
      // The namespace, not one of its parts: Spring Session keeps `ns:sessions:<id>` and `ns:sessions:expires:<id>`.
      const prefix = found
        .flatMap((w) => w.prefixes ?? (w.prefix ? [w.prefix] : []))
        .sort((a, b) => a.length - b.length)[0];
      if (prefix) ctx.handoff.set("session-prefix", prefix);
      return { status: "ok", target, findings, facts };
    }),
};

/** Where one session is: the key of a known (or configured) layout, else a key containing its id. */
async function locate(conn: RedisConnection, session: NodeSession, configured?: string): Promise<Where> {
  const id = sessionIdFromCookie(session.name, session.value);
  const layouts = configured ? [customLayout(configured)] : LAYOUTS;
  // One key at a time through the router: on a cluster each key lives on the master that owns its slot.
  const replies = await Promise.all(layouts.map((l) => conn.router.try("EXISTS", l.keyFor(id))));
  const hit = layouts.findIndex((_, i) => replies[i]?.ok && Number(replies[i]!.value) > 0);
  if (hit >= 0) {
    const key = layouts[hit]!.keyFor(id);
    return { session, key, prefix: key.slice(0, key.length - id.length) };
  }
  if (id.length < MIN_SCANNABLE_ID) return { session };
  const pattern = `*${id.replace(/[*?[\]\\]/g, "\\$&")}*`;
  // Every key holding the id: an app that adopts unknown ids (PHP without strict mode) leaves one under each prefix.
  const keys = new Set<string>();
  let complete = true;
  for (const keyspace of conn.keyspaces) {
    let cursor = "0";
    for (let i = 0; i < SCAN_CALLS_PER_ID; i++) {
      const [next, page] = (await keyspace.call("SCAN", cursor, "MATCH", pattern, "COUNT", SCAN_COUNT)) as [
        string,
        string[],
      ];
      for (const k of page) if (!/_LOCK$|:lock$/i.test(k)) keys.add(k);
      cursor = next;
      if (cursor === "0") break;
    }
    if (cursor !== "0") complete = false;
  }
  const key = [...keys].sort()[0];
  if (!key) return complete ? { session, absent: true } : { session };
  const prefixOf = (k: string) => k.slice(0, k.indexOf(id));
  return { session, key, prefix: prefixOf(key), prefixes: [...keys].map(prefixOf) };
}

type Growth = { grew: number; quiet: boolean; seconds: number } | undefined;

/** How much the store grew since redis.info's reading, and whether it was quiet enough for that to mean anything. */
async function growth(keyspaces: ReadOnlyRedis[], before: StoreReading | undefined): Promise<Growth> {
  if (!before) return undefined;
  const dbsize = (await Promise.all(keyspaces.map(async (k) => Number(await k.call("DBSIZE"))))).reduce(
    (a, b) => a + b,
    0,
  );
  return {
    grew: dbsize - before.dbsize,
    quiet: before.opsPerSecond <= QUIET_OPS_PER_SECOND,
    seconds: Math.round((Date.now() - before.at) / 1000),
  };
}

function interpret(
  found: Where[],
  crossNode: FactValue | undefined,
  grew: Growth,
  facts: Record<string, FactValue>,
): Finding[] {
  const n = found.length;
  const inStore = found.filter((w) => w.key);
  // A completed SCAN that found nothing says "absent"; a SCAN cut short, or an id too short to scan for, says nothing.
  const unknown = found.filter((w) => !w.key && !w.absent).length;
  const data = { sessions: n, inStore: inStore.length };
  const notRecognised = crossNode === "not-recognised";
  const findings: Finding[] = [];
  // A store may keep several keys per session under one namespace (Spring Session's "ns:sessions:<id>" and
  // "ns:sessions:expires:<id>"): a prefix that extends another is the same namespace, not another node's.
  const all = [...new Set(inStore.flatMap((w) => w.prefixes ?? [w.prefix ?? ""]))];
  const prefixes = new Set(all.filter((p) => !all.some((q) => q !== "" && q !== p && p.startsWith(q))));
  if (inStore.length === n) {
    facts["sessions-in-store"] = "yes";
    if (notRecognised) facts["keys-shared"] = "no";
    if (prefixes.size > 1)
      findings.push({
        id: "prefixes-differ",
        summary: `the nodes keep sessions under different key prefixes (${[...prefixes].map((p) => `"${p}"`).join(", ")}): each node looks for sessions where the others never write them`,
        data: { prefixes: prefixes.size },
      });
    findings.push(
      notRecognised
        ? {
            id: "in-store-but-unreadable",
            summary: `all ${n} sessions created on the nodes are in the store, yet other nodes did not recognise them: the nodes cannot read each other's sessions (different signing or encryption keys, key prefixes or serializers)`,
            data,
          }
        : {
            id: "in-store",
            summary: `all ${n} sessions created on the nodes are in the store: sessions are shared`,
            data,
          },
    );
    return findings;
  }
  const quietGrowth = grew && grew.quiet ? grew : undefined;
  if (unknown === 0 && inStore.length === 0 && (!quietGrowth || quietGrowth.grew < n)) {
    facts["sessions-in-store"] = "no";
    return [
      {
        id: "not-in-store",
        summary: `none of the ${n} sessions created on the nodes is in the store (looked up under the known layouts and by a full scan for each id)${notRecognised ? ", and the other nodes did not recognise them: sessions stay in each node's memory" : ""}`,
        data,
      },
    ];
  }
  if (inStore.length === 0 && quietGrowth && quietGrowth.grew >= n) {
    facts["sessions-in-store"] = "yes";
    return [
      {
        id: "in-store-unmapped",
        summary: `the session cookies map to no key (their values are likely encrypted), but the quiet store grew by ${quietGrowth.grew} keys in ${quietGrowth.seconds} s while ${n} sessions were made: they are in the store${notRecognised ? ", yet the other nodes did not recognise them" : ""}`,
        data: { ...data, grew: quietGrowth.grew },
      },
    ];
  }
  return [
    {
      id: "id-unmapped",
      summary: `${inStore.length} of ${n} sessions were found in the store; the others' ids could not be mapped to keys (a custom layout, or encrypted cookies), and the store's size could not tell${grew && !grew.quiet ? " (other clients keep it busy)" : ""}: give --session-prefix, or look up one session's key by hand`,
      data,
    },
  ];
}

/**
 * With no session obtained on a node (no --node given), those the visitors obtained through the balancer: all in the
 * store, the app keeps its sessions there, where no worker's or node's memory can lose them (the evidence asks for
 * more than one, made on more than one backend as likely as not). Some in it and some not is a backend that keeps them
 * elsewhere. None found says little: a cookie that carries the session, a store that refused the write, a layout not
 * known.
 */
function balancerSessionFindings(found: Where[]): { findings: Finding[]; facts: Record<string, FactValue> } {
  const n = found.length;
  const inStore = found.filter((w) => w.key);
  const data = { sessions: n, inStore: inStore.length };
  const looked = found.every((w) => w.key || w.absent)
    ? "looked up under the known layouts and by a full scan for each id"
    : "some ids too short to scan for, or a scan cut short";
  if (inStore.length === n)
    return {
      findings: [
        {
          id: "balancer-session-in-store",
          summary: `${n === 1 ? "the session" : `all ${n} sessions`} obtained through the balancer ${n === 1 ? "is" : "are"} in the store (under "${inStore[0]!.prefix}"): the app keeps its sessions there, not in a node's or a worker's memory`,
          data,
        },
      ],
      facts: n >= 2 ? { "sessions-in-store": "yes" } : {},
    };
  return {
    findings: [
      inStore.length > 0
        ? {
            id: "balancer-sessions-split",
            summary: `${inStore.length} of the ${n} sessions obtained through the balancer are in the store, the others not (${looked}): some backend may keep its sessions elsewhere (give --node to tell which)`,
            data,
            anomaly: true,
          }
        : {
            id: "balancer-session-not-found",
            summary: `none of the ${n} sessions obtained through the balancer is in the store (${looked}): they may live in the cookie itself, in a node's memory or in another store (give --node to tell)`,
            data,
          },
    ],
    facts: {},
  };
}
