import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import { ACTION } from "../blocks/ids.js";
import { clip, LIMITS } from "../blocks/limits.js";
import { clickedIn, reportingErrors, tellEphemeral, timedAck, type ListenerDeps } from "../listeners/context.js";

/** The result's Markdown export: the report as Markdown, shown only to the person who asked. */
export function register(app: App, deps: ListenerDeps): void {
  app.action<BlockAction>(ACTION.summaryMarkdown, async ({ ack, body, action, client }) => {
    await timedAck(deps, "action", () => ack());
    if (!body.user?.id) return;
    const who = clickedIn(body);
    const tell = tellEphemeral(deps, client, who);
    await reportingErrors(deps, tell, who.user, async () => {
      const markdown = await deps.diagnoses.markdown(client, String((action as ButtonAction).value ?? ""), who.user);
      // Clipped inside its fence, so that the fence is always closed.
      await tell(`\`\`\`\n${clip(markdown, LIMITS.messageText - 8)}\n\`\`\``);
    });
  });
}
