import type { App } from "@slack/bolt";
import { register as addEvidence } from "../actions/add-evidence.js";
import { register as answerText } from "../actions/answer-text.js";
import { register as answers } from "../actions/answer.js";
import { register as pickTarget } from "../actions/pick-target.js";
import { register as summaryMarkdown } from "../actions/summary-markdown.js";
import { register as summaryPost } from "../actions/summary-post.js";
import { register as command } from "../commands/sessiondoc.js";
import { register as appHome } from "../events/app-home.js";
import { register as threadReply } from "../events/thread-reply.js";
import { register as evidenceSubmitted } from "../views/evidence.js";
import { register as summarySubmitted } from "../views/summary.js";
import { register as textAnswerSubmitted } from "../views/text-answer.js";
import type { ListenerDeps } from "./context.js";

/** Every listener, one a file, by kind: commands, actions, views, events. */
export function registerListeners(app: App, deps: ListenerDeps): void {
  command(app, deps);
  answers(app, deps);
  pickTarget(app, deps);
  answerText(app, deps);
  addEvidence(app, deps);
  summaryPost(app, deps);
  summaryMarkdown(app, deps);
  textAnswerSubmitted(app, deps);
  evidenceSubmitted(app, deps);
  summarySubmitted(app, deps);
  appHome(app, deps);
  threadReply(app, deps);
}
