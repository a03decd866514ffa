import type { App } from "@slack/bolt";
import { register as answers } from "../actions/answer.js";
import { register as modals } from "../actions/open-modals.js";
import { register as pickTarget } from "../actions/pick-target.js";
import { register as commands } from "../commands/sessiondoc.js";
import { register as events } from "../events/home-and-thread.js";
import { register as views } from "../views/submissions.js";
import type { ListenerDeps } from "./context.js";

/** Every listener, by kind: commands, actions, views, events. */
export function registerListeners(app: App, deps: ListenerDeps): void {
  commands(app, deps);
  answers(app, deps);
  pickTarget(app, deps);
  modals(app, deps);
  views(app, deps);
  events(app, deps);
}
