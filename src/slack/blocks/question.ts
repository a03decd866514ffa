import type { KnownBlock } from "@slack/web-api";
import type { PendingQuestion } from "../../engine/engine.js";
import { ACTION, questionBlockId } from "./ids.js";
import { clip, context, escape, LIMITS, mrkdwn, plain, section } from "./limits.js";

const UNKNOWN = "unknown";
const MAX_BUTTONS = 6;

/** The answers given so far: those that said something, and the "I don't know"s. */
export type AnswerCounts = { answered: number; unknown: number };

/** The answer last given on the card, shown above the next question so the thread keeps who answered what. */
export type LastAnswer = { question: string; label: string; user: string };

function answersLine(counts: AnswerCounts, last?: LastAnswer): string | undefined {
  if (!last && counts.answered + counts.unknown === 0) return undefined;
  const tally = `${counts.answered} answered, ${counts.unknown} "I don't know"`;
  return last ? `✅ <@${last.user}> answered *${escape(last.label)}* to “${escape(last.question)}” · ${tally}` : tally;
}

/**
 * The question card, one per diagnosis and edited in place for each question: buttons for a few choices, a menu for
 * many, a modal for free text; above them the answer last given and how many were answers or "I don't know".
 */
export function questionBlocks(
  diagnosis: string,
  { id, node }: PendingQuestion,
  step: number,
  counts: AnswerCounts = { answered: 0, unknown: 0 },
  last?: LastAnswer,
): KnownBlock[] {
  const blocks: object[] = [];
  const line = answersLine(counts, last);
  if (line) blocks.push(context(line));
  blocks.push(section(`*${step}. ${escape(node.text)}*`));
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

/** The card once no question is left: the last answer and the tally, and no buttons left to click. */
export function answeredBlocks(counts: AnswerCounts, last?: LastAnswer): KnownBlock[] {
  return [
    section("*Questions* — done: the result is below."),
    { type: "context", elements: [mrkdwn(answersLine(counts, last) ?? "No question was needed.")] },
  ] as KnownBlock[];
}

export function choiceLabel({ node }: PendingQuestion, value: string | null): string {
  if (value === null) return "I don't know";
  return node.choices?.find((c) => c.value === value)?.label ?? value;
}
