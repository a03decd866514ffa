import type { WebClient } from "@slack/web-api";
import type { SlackCalls } from "./slack-calls.js";

const USER = /<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/g;
const CHANNEL = /<#([CG][A-Z0-9]+)(?:\|([^>]*))?>/g;

/**
 * Slack mentions in text as a reader outside Slack needs them: `<@U…>` as `@alice`, `<#C…>` as `#incident`. Each id
 * is looked up once (users.info, conversations.info); one whose lookup fails stays its id (`@U…`, `#C…`).
 */
export async function withNames(client: WebClient, calls: SlackCalls, text: string): Promise<string> {
  const users = new Map<string, string | undefined>([...text.matchAll(USER)].map((m) => [m[1]!, undefined]));
  const channels = new Map<string, string | undefined>([...text.matchAll(CHANNEL)].map((m) => [m[1]!, m[2]]));
  await Promise.all([
    ...[...users.keys()].map(async (id) => {
      const r = await calls.bestEffort("look up a user's name", () => client.users.info({ user: id }));
      users.set(id, r?.user?.profile?.display_name || r?.user?.name || undefined);
    }),
    ...[...channels.keys()].map(async (id) => {
      const r = await calls.bestEffort("look up a channel's name", () => client.conversations.info({ channel: id }));
      if (r?.channel?.name) channels.set(id, r.channel.name);
    }),
  ]);
  return text
    .replace(USER, (_, id: string) => `@${users.get(id) ?? id}`)
    .replace(CHANNEL, (_, id: string) => `#${channels.get(id) || id}`);
}
