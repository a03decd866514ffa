import type { FactValue } from "../../flows/schema.js";
import { NODE_SESSIONS, type Finding, type NodeSession, type Probe } from "../types.js";
import { customLayout, LAYOUTS, sessionIdFromCookie } from "./layouts.js";
import { withRedis } from "./run.js";

/**
 * Looks up, with EXISTS only, the sessions another probe obtained directly on each node. Together with whether
 * the other nodes recognised them, this splits "not recognised": in the store means the node could not read it
 * (keys differ), not in the store means it never reached a shared store.
 */
export const redisLookupProbe: Probe = {
  name: "redis.lookup",
  description:
    "Checks whether sessions created on each node are in the store (EXISTS), to split key-mismatch from lb-affinity",
  needs: ["redis"],
  facts: {
    "sessions-in-store": { description: "sessions created on the nodes are in the store", values: ["yes", "no"] },
    "keys-shared": { description: "the nodes read each other's session cookies", values: ["no"] },
  },
  run: (ctx) =>
    withRedis(ctx, async (conn) => {
      const sessions = (ctx.handoff.get(NODE_SESSIONS) as NodeSession[] | undefined) ?? [];
      if (sessions.length === 0) {
        return {
          status: "skipped",
          target: conn.target.display,
          findings: [
            { id: "nothing-to-look-up", summary: "no sessions were obtained on the nodes to look up", effects: [] },
          ],
          facts: {},
        };
      }
      if (ctx.facts["store-replica"] === "yes") {
        const summary =
          "the store is a replica that refuses session writes, so where sessions go cannot be told from it";
        return {
          status: "skipped",
          target: conn.target.display,
          findings: [{ id: "store-is-replica", summary, effects: [] }],
          facts: {},
        };
      }
      const layouts = ctx.targets.sessionPrefix ? [customLayout(ctx.targets.sessionPrefix)] : LAYOUTS;
      const replies = await conn.primary.batch(
        sessions.flatMap((s) =>
          layouts.map((l) => ["EXISTS", l.keyFor(sessionIdFromCookie(s.name, s.value))] as [string, string]),
        ),
      );
      const found = sessions.filter((_, i) =>
        replies.slice(i * layouts.length, (i + 1) * layouts.length).some((r) => r.ok && Number(r.value) > 0),
      );
      const facts: Record<string, FactValue> = { "sessions-in-store": found.length === sessions.length ? "yes" : "no" };
      const crossNode = ctx.facts["cross-node"];
      const where = `${found.length} of ${sessions.length} sessions created on the nodes are in the store`;
      let finding: Finding;
      if (found.length === sessions.length) {
        if (crossNode === "not-recognised") facts["keys-shared"] = "no";
        finding =
          crossNode === "not-recognised"
            ? {
                id: "in-store-but-unreadable",
                summary: `${where}, yet other nodes did not recognise them: the nodes cannot read each other's session cookies — their signing or encryption keys differ`,
                effects: [
                  { cause: "key-mismatch", weight: 0.8 },
                  { cause: "lb-affinity", weight: -0.6 },
                ],
              }
            : {
                id: "in-store",
                summary: `${where}: sessions are shared`,
                effects: [{ cause: "lb-affinity", weight: -0.4 }],
              };
      } else {
        finding =
          crossNode === "not-recognised"
            ? {
                id: "not-in-store",
                summary: `${where}, and other nodes did not recognise them: sessions stay in each node's memory, so every request must reach the node that created its session`,
                effects: [
                  { cause: "lb-affinity", weight: 0.8 },
                  { cause: "key-mismatch", weight: -0.5 },
                ],
              }
            : { id: "not-in-store", summary: `${where}: the nodes do not keep sessions in this store`, effects: [] };
      }
      return {
        status: "ok",
        target: conn.target.display,
        findings: [{ ...finding, data: { sessions: sessions.length, inStore: found.length } }],
        facts,
      };
    }),
};
