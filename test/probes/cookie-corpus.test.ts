import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { CookieJar } from "../../src/probes/http/cookies.js";

/** The http-state cases that accompany RFC 6265's test suite (see test/fixtures/corpus/README.md). */
const Case = z.object({
  test: z.string(),
  received: z.array(z.string()),
  "sent-to": z.string().optional(),
  sent: z.array(z.object({ name: z.string(), value: z.string() })),
});
const corpus = z
  .array(Case)
  .parse(JSON.parse(readFileSync(new URL("../fixtures/corpus/parser.json", import.meta.url), "utf8")));

/**
 * The day the corpus entered tough-cookie's repository. Its Expires dates are then either long past (1980, 2007) or
 * years ahead (2027, 9999), as its authors meant; on today's clock the 2027 ones would expire.
 */
const FROZEN = new Date("2015-02-27T00:00:00Z");

const SKIPPED: Record<string, string> = {};

afterEach(() => {
  vi.useRealTimers();
});

describe("the http-state cookie corpus through the probes' jar", () => {
  it("holds all 222 cases", () => {
    expect(corpus).toHaveLength(222);
  });

  for (const c of corpus) {
    const run = c.test in SKIPPED ? it.skip : it;
    run(c.test, () => {
      if (c.received.some((line) => /expires/i.test(line))) {
        vi.useFakeTimers();
        vi.setSystemTime(FROZEN);
      }
      const jar = new CookieJar();
      jar.store(c.received, new URL(`http://home.example.org/cookie-parser?${c.test}`));
      const to = new URL(c["sent-to"] ?? `/cookie-parser-result?${c.test}`, "http://home.example.org");
      expect(jar.header(to)).toBe(c.sent.map((s) => `${s.name}=${s.value}`).join("; "));
    });
  }
});
