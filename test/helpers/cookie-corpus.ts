import { readFileSync } from "node:fs";
import { z } from "zod";

/** One case of the http-state corpus that accompanies RFC 6265's test suite (test/fixtures/corpus/README.md). */
const CorpusCase = z.object({
  test: z.string(),
  received: z.array(z.string()),
  "sent-to": z.string().optional(),
  sent: z.array(z.object({ name: z.string(), value: z.string() })),
});
export type CorpusCase = z.infer<typeof CorpusCase>;

export const corpus: CorpusCase[] = z
  .array(CorpusCase)
  .parse(JSON.parse(readFileSync(new URL("../fixtures/corpus/parser.json", import.meta.url), "utf8")));

/** Where a case's Set-Cookie lines come from, as the suite's harness serves them. */
export function receivedFrom(c: CorpusCase): URL {
  return new URL(`http://home.example.org/cookie-parser?${c.test}`);
}

/** The follow-up request whose Cookie header the case checks. */
export function sentTo(c: CorpusCase): URL {
  return new URL(c["sent-to"] ?? `/cookie-parser-result?${c.test}`, "http://home.example.org");
}
