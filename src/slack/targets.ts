import type { WebClient } from "@slack/web-api";
import { targetNamed, type Config, type TargetConfig } from "../config/schema.js";
import { createPolicy } from "../probes/http/policy.js";
import type { Targets } from "../model/targets.js";

/** A mistake or refusal to tell the user, politely, instead of an error. */
export class UserFacingError extends Error {
  override name = "UserFacingError";
}

export type Resolved = { name: string; targets: Targets; facts: Record<string, string> };

/** A configured target by name, or an ad-hoc URL that matches the allowlist; nothing else is probed. */
export function resolveTarget(config: Config, ref: { target?: string; url?: string }): Resolved {
  if (ref.target) {
    const t = targetNamed(config, ref.target);
    if (!t) {
      const known = Object.keys(config.targets);
      throw new UserFacingError(
        `There is no target \`${ref.target}\`.${known.length ? ` Targets: ${known.map((k) => `\`${k}\``).join(", ")}.` : " None are configured yet."}`,
      );
    }
    const { description: _d, facts, allowed: _a, ...targets } = t;
    return { name: ref.target, targets, facts };
  }
  if (ref.url) {
    let url: URL;
    try {
      url = new URL(ref.url);
    } catch {
      throw new UserFacingError(`\`${ref.url}\` is neither a target name nor a URL.`);
    }
    try {
      createPolicy(config.allowlist).checkUrl(url);
    } catch {
      throw new UserFacingError(
        `\`${url.origin}\` is not in sessiondoc's allowlist, so it will not be probed. Ask an admin to add it, or use a configured target.`,
      );
    }
    return { name: url.origin, targets: { url: url.origin + "/", nodes: [], allowlist: config.allowlist }, facts: {} };
  }
  return { name: "", targets: { nodes: [] }, facts: {} };
}

/** Whether this user, in this channel, may run probes against the target (or act on a diagnosis of it). */
export async function mayProbe(
  client: WebClient,
  target: TargetConfig | undefined,
  who: { user: string; channel?: string },
  withDeadline: <T>(call: () => Promise<T>) => Promise<T> = (call) => call(),
): Promise<boolean> {
  const allowed = target?.allowed;
  if (!allowed) return true;
  if ((who.channel && allowed.channels.includes(who.channel)) || allowed.users.includes(who.user)) return true;
  for (const usergroup of allowed.usergroups) {
    const res = await withDeadline(() => client.usergroups.users.list({ usergroup }));
    if (res.users?.includes(who.user)) return true;
  }
  return false;
}
