import type { KnownBlock } from "@slack/web-api";
import type { PendingQuestion } from "../../engine/engine.js";
import { ACTION, questionBlockId } from "./ids.js";
import { clip, context, escape, LIMITS, mrkdwn, plain, section } from "./limits.js";

const UNKNOWN = "unknown";
const MAX_BUTTONS = 6;

/** A question in the thread: buttons for a few choices, a menu for many, a modal for free text. */
export function questionBlocks(diagnosis: string, { id, node }: PendingQuestion, step: number): KnownBlock[] {
  const blocks: object[] = [section(`*${step}. ${escape(node.text)}*`)];
  if (node.help) blocks.push(context(escape(node.help)));
  const evidence = {
    type: "button",
    action_id: ACTION.evidence,
    text: plain("📋 Add logs or a stack trace"),
    value: diagnosis,
  };
  let elements: object[];
  if (node.input) {
    elements = [
      { type: "button", action_id: ACTION.answerText, text: plain("✏️ Answer…"), style: "primary", value: id },
    ];
  } else if (node.choices!.length <= MAX_BUTTONS) {
    elements = node.choices!.map((c, i) => ({
      type: "button",
      action_id: `${ACTION.answer}-${i}`,
      text: plain(c.label),
      value: c.value,
    }));
  } else {
    elements = [
      {
        type: "static_select",
        action_id: ACTION.answerSelect,
        placeholder: plain("Choose…"),
        options: node
          .choices!.slice(0, 100)
          .map((c) => ({ text: plain(c.label, LIMITS.optionText), value: clip(c.value, LIMITS.optionValue) })),
      },
    ];
  }
  elements.push(
    { type: "button", action_id: `${ACTION.answer}-unknown`, text: plain("I don't know"), value: UNKNOWN },
    evidence,
  );
  blocks.push({
    type: "actions",
    block_id: questionBlockId(diagnosis, id),
    elements: elements.slice(0, LIMITS.actionsElements),
  });
  return blocks as KnownBlock[];
}

export function answerValue(raw: string): string | null {
  return raw === UNKNOWN ? null : raw;
}

/** The question once answered: who answered what, and no buttons left to click. */
export function answeredBlocks({ node }: PendingQuestion, step: number, label: string, user: string): KnownBlock[] {
  return [
    section(`*${step}. ${escape(node.text)}*`),
    { type: "context", elements: [mrkdwn(`✅ <@${user}> answered *${escape(label)}*`)] },
  ] as KnownBlock[];
}

export function choiceLabel({ node }: PendingQuestion, value: string | null): string {
  if (value === null) return "I don't know";
  return node.choices?.find((c) => c.value === value)?.label ?? value;
}
