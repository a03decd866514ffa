export {
  SIGNING_SECRET,
  sign,
  sendToApp,
  slashCommand,
  blockAction,
  viewSubmission,
  latestQuestion,
  nextQuestion,
  eventCallback,
  threadReply,
} from "../../src/lab/slack-requests.js";
export { startSlackApp, type SlackApp } from "../../src/lab/processes.js";
