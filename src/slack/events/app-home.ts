import type { App } from "@slack/bolt";
import { homeView } from "../blocks/home.js";
import type { ListenerDeps } from "../listeners/context.js";

/** App Home: the recent diagnoses and the watches this person may see, and the targets they may probe. */
export function register(app: App, deps: ListenerDeps): void {
  app.event("app_home_opened", async ({ event, client }) => {
    if (event.tab !== "home" || typeof event.user !== "string") return;
    const [entries, targets, watches] = await Promise.all([
      deps.diagnoses.home(client, event.user),
      deps.diagnoses.targetsFor(client, { user: event.user }),
      deps.watches.visibleTo(event.user),
    ]);
    await deps.calls.bestEffort("publish App Home", () =>
      client.views.publish({ user_id: event.user, view: homeView(entries, targets, watches) }),
    );
  });
}
