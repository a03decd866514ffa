/** Action ids: one per kind of interaction, so "where does a click go" is one lookup in listeners/. */
export const ACTION = {
  answer: "answer",
  answerSelect: "answer-select",
  answerText: "answer-text",
  evidence: "add-evidence",
  summaryPost: "summary-post",
  summaryMarkdown: "summary-markdown",
  pickTarget: "pick-target",
} as const;

export const VIEW = { evidence: "evidence-modal", textAnswer: "text-answer-modal", summary: "summary-modal" } as const;

/** A question's block id carries the diagnosis and question ids: `q|<diagnosis>|<question>`. */
export function questionBlockId(diagnosis: string, question: string): string {
  return `q|${diagnosis}|${question}`;
}

export function parseQuestionBlockId(blockId: string): { diagnosis: string; question: string } | undefined {
  const [kind, diagnosis, question] = blockId.split("|");
  return kind === "q" && diagnosis && question ? { diagnosis, question } : undefined;
}
