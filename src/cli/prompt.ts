import type { AnswerEvent } from "../engine/context.js";
import type { PendingQuestion } from "../engine/engine.js";
import { answerProblem } from "../engine/route.js";

const UNKNOWN = "\u0000unknown";

/**
 * Asks one question in the terminal, on stderr so that stdout carries only the report (`| jq`, `> file`); "I don't
 * know" is always offered and counts as unknown.
 */
export async function promptAnswer({ id, node }: PendingQuestion, by: string): Promise<AnswerEvent> {
  // Loaded on first use: scripts and non-interactive runs never pay for the prompt library.
  const { input, select } = await import("@inquirer/prompts");
  const context = { output: process.stderr };
  // The help goes on a line of its own: the prompt library writes the chosen answer after the message's last line.
  if (node.help) process.stderr.write(`\n  ${node.help}\n`);
  const message = node.text;
  let value: string | null;
  if (node.choices) {
    const picked = await select(
      {
        message,
        choices: [
          ...node.choices.map((c) => ({ name: c.label, value: c.value })),
          { name: "I don't know", value: UNKNOWN },
        ],
        pageSize: 12,
      },
      context,
    );
    value = picked === UNKNOWN ? null : picked;
  } else {
    const typed = await input(
      {
        message: `${message} (leave empty if unknown)`,
        validate: (v) => (v.trim() === "" ? true : (answerProblem(node, v.trim()) ?? true)),
      },
      context,
    );
    value = typed.trim() === "" ? null : typed.trim();
  }
  return { type: "ANSWER", question: id, value, source: "user", by };
}
