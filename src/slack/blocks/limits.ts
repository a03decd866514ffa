/** Block Kit's documented limits; every builder clips to them so Slack never rejects a message. */
export const LIMITS = {
  blocks: 50,
  homeBlocks: 100,
  sectionText: 3000,
  header: 150,
  buttonText: 75,
  buttonValue: 2000,
  blockId: 255,
  actionId: 255,
  optionText: 75,
  optionValue: 75,
  actionsElements: 25,
  contextElements: 10,
  modalTitle: 24,
  privateMetadata: 3000,
  messageText: 40000,
} as const;

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Slack mrkdwn treats &, < and > as control characters. */
export function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export const plain = (text: string, max: number = LIMITS.buttonText) => ({
  type: "plain_text" as const,
  text: clip(text, max),
  emoji: true,
});
export const mrkdwn = (text: string, max: number = LIMITS.sectionText) => ({
  type: "mrkdwn" as const,
  text: clip(text, max),
});
export const section = (text: string) => ({ type: "section" as const, text: mrkdwn(text) });
export const context = (...texts: string[]) => ({
  type: "context" as const,
  elements: texts.slice(0, LIMITS.contextElements).map((t) => mrkdwn(t)),
});
