import { afterEach, describe, expect, it, vi } from "vitest";
import { CookieJar } from "../../src/probes/http/cookies.js";
import { corpus, receivedFrom, sentTo } from "../helpers/cookie-corpus.js";

/**
 * The day the corpus entered tough-cookie's repository. Its Expires dates are then either long past (1980, 2007) or
 * years ahead (2027, 9999), as its authors meant; on a clock past April 2027 two of them would have expired.
 */
const FROZEN = new Date("2015-02-27T00:00:00Z");

afterEach(() => {
  vi.useRealTimers();
});

describe("the http-state cookie corpus through the probes' jar", () => {
  it("holds all 222 cases", () => {
    expect(corpus).toHaveLength(222);
  });

  for (const c of corpus) {
    it(c.test, () => {
      if (c.received.some((line) => /expires/i.test(line))) {
        vi.useFakeTimers();
        vi.setSystemTime(FROZEN);
      }
      const jar = new CookieJar();
      jar.store(c.received, receivedFrom(c));
      expect(jar.header(sentTo(c))).toBe(c.sent.map((s) => `${s.name}=${s.value}`).join("; "));
    });
  }
});
