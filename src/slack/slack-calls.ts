import type { Logger } from "../log.js";
import { UserFacingError } from "./targets.js";

/** Slack would not take a message the user needs to see; the message says what Slack answered and what to do. */
export class SlackRefused extends UserFacingError {
  override name = "SlackRefused";
}

/** Longest Retry-After waited out for a message that matters; beyond it the user is told instead. */
const MAX_RETRY_AFTER_SECONDS = 5;

/** Seconds Slack asked to wait (a 429), when it did. */
export function retryAfterOf(err: unknown): number | undefined {
  const e = err as { code?: string; retryAfter?: number };
  return e.code === "slack_webapi_rate_limited_error" && typeof e.retryAfter === "number" ? e.retryAfter : undefined;
}

class SlackTimeout extends Error {}

/** What Slack answered, in a few words: its error code, an HTTP status, a rate limit or silence. */
export function slackReason(err: unknown): string {
  const e = err as { code?: string; data?: { error?: string }; statusCode?: number; message?: string };
  if (err instanceof SlackTimeout) return err.message;
  const retryAfter = retryAfterOf(err);
  if (retryAfter !== undefined) return `rate limited for ${retryAfter} s`;
  if (e.data?.error) return `\`${e.data.error}\``;
  if (e.statusCode) return `HTTP ${e.statusCode}`;
  return "no usable answer";
}

function advice(err: unknown): string {
  const code = (err as { data?: { error?: string } }).data?.error;
  if (code === "not_in_channel" || code === "channel_not_found" || code === "is_archived")
    return " Invite @sessiondoc to the channel (`/invite @sessiondoc`) and try again.";
  return " Try again in a minute.";
}

/**
 * Calls to Slack's Web API with a deadline each (the client's own timeout is per attempt and per idle socket, and
 * it retries). `required` is for messages the user must see: a short Retry-After is waited out once, and a refusal
 * becomes a SlackRefused for the user; `bestEffort` is for updates that can be lost: a failure is logged, not thrown.
 */
export function slackCalls(opts: { timeoutMs: number; log: Logger }) {
  const withDeadline = async <T>(call: () => Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SlackTimeout(`no answer within ${opts.timeoutMs / 1000} s`)), opts.timeoutMs);
    });
    const running = call();
    running.catch(() => undefined);
    try {
      return await Promise.race([running, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    withDeadline,

    async required<T>(what: string, call: () => Promise<T>): Promise<T> {
      let failure: unknown;
      try {
        return await withDeadline(call);
      } catch (err) {
        failure = err;
      }
      const wait = retryAfterOf(failure);
      if (wait !== undefined && wait <= MAX_RETRY_AFTER_SECONDS) {
        await new Promise((r) => setTimeout(r, wait * 1000));
        try {
          return await withDeadline(call);
        } catch (again) {
          failure = again;
        }
      }
      opts.log.warn({ what, reason: slackReason(failure) }, "Slack refused a message");
      throw new SlackRefused(`Slack refused to ${what} (${slackReason(failure)}).${advice(failure)}`);
    },

    async bestEffort<T>(what: string, call: () => Promise<T>): Promise<T | undefined> {
      try {
        return await withDeadline(call);
      } catch (err) {
        opts.log.warn({ what, reason: slackReason(err) }, "Slack update skipped");
        return undefined;
      }
    },
  };
}
export type SlackCalls = ReturnType<typeof slackCalls>;
