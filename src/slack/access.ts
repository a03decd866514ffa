import type { WebClient } from "@slack/web-api";
import { targetNamed, type Config } from "../config/schema.js";
import type { DiagnosisRecord } from "../model/diagnosis.js";
import type { SlackCalls } from "./slack-calls.js";
import { mayProbe } from "./targets.js";

const MEMBER_PAGES = 20;
/** Channel membership is looked up again after this; App Home would otherwise ask Slack for every diagnosis. */
const MEMBERSHIP_CACHE_MS = 60_000;

/**
 * Who may do what with a diagnosis, checked on every action, for the person acting: the target's `allowed` rules
 * (in the diagnosis' channel) for answering, adding evidence, exporting and posting summaries; channel membership
 * for what shows a diagnosis elsewhere (App Home, a summary's destination). A diagnosis whose target is no longer
 * configured belongs to whoever started it.
 */
export function access(deps: { config: Config; calls: SlackCalls }) {
  const { config, calls } = deps;
  const members = new Map<string, { member: Promise<boolean>; until: number }>();

  function isMember(client: WebClient, channel: string, user: string): Promise<boolean> {
    const key = `${channel}:${user}`;
    const now = Date.now();
    const cached = members.get(key);
    if (cached && cached.until > now) return cached.member;
    if (members.size > 10_000) members.clear();
    const member = lookUpMember(client, channel, user);
    members.set(key, { member, until: now + MEMBERSHIP_CACHE_MS });
    return member;
  }

  /** Fails closed: a channel Slack will not list is a channel the person is not known to be in. */
  async function lookUpMember(client: WebClient, channel: string, user: string): Promise<boolean> {
    let cursor: string | undefined;
    for (let page = 0; page < MEMBER_PAGES; page++) {
      const res = await calls
        .withDeadline(() => client.conversations.members({ channel, limit: 1000, ...(cursor ? { cursor } : {}) }))
        .catch(() => undefined);
      if (!res?.ok) return false;
      if (res.members?.includes(user)) return true;
      cursor = res.response_metadata?.next_cursor || undefined;
      if (!cursor) return false;
    }
    return false;
  }

  async function mayAct(client: WebClient, record: DiagnosisRecord, user: string): Promise<boolean> {
    const name = record.meta.targetName;
    const target = targetNamed(config, name);
    if (name && !target) return record.meta.user === user;
    return mayProbe(client, target, { user, channel: record.meta.channel }, calls.withDeadline);
  }

  return {
    isMember,
    mayAct,

    /** App Home: diagnoses one started, or whose channel one is in and whose target one may act on. */
    async maySee(client: WebClient, record: DiagnosisRecord, user: string): Promise<boolean> {
      if (record.meta.user === user) return true;
      if (!record.meta.channel || !(await isMember(client, record.meta.channel, user))) return false;
      return mayAct(client, record, user);
    },

    /** A summary goes to a channel the target allows, or one the person posting it is a member of. */
    async maySendSummaryTo(client: WebClient, record: DiagnosisRecord, user: string, channel: string) {
      if (targetNamed(config, record.meta.targetName)?.allowed?.channels.includes(channel)) return true;
      return isMember(client, channel, user);
    },
  };
}
export type Access = ReturnType<typeof access>;
