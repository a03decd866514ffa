import { describe, expect, it } from "vitest";
import { evidenceFromLog } from "../../src/evidence/logs.js";
import { redactText } from "../../src/redact.js";
import { CANARIES, leaks } from "./canaries.js";

describe("redaction by shape", () => {
  it(`masks every one of ${CANARIES.length} forms of credentials and session ids`, () => {
    const leaked = CANARIES.filter((c) => leaks(redactText(c.line), c)).map((c) => `${c.form}: ${redactText(c.line)}`);
    expect(leaked).toEqual([]);
  });

  it("masks them in evidence excerpts, even where the excerpt is cut", () => {
    for (const c of CANARIES) {
      const items = evidenceFromLog(`${"x".repeat(120)} ${c.line}`, "pasted");
      expect(items.length, c.form).toBeGreaterThan(0);
      expect(leaks(JSON.stringify(items), c), `${c.form}: ${items[0]!.summary}`).toBe(false);
    }
  });

  it("keeps what a reader needs: class names, words, numbers, hosts and cookie names", () => {
    for (const line of [
      "java.io.NotSerializableException: com.example.UserContextHolderFactoryBean",
      "ForbiddenError: invalid csrf token",
      "password incorrect for user alice",
      "ERR max number of clients reached (maxclients=10000)",
      "redis://sessprobe@cache.example.com:6380/2 timed out after 3000 ms",
      "upstream timed out (110: Connection timed out) while reading response header from upstream",
    ])
      expect(redactText(line)).toBe(line);
    expect(redactText("Cookie: mysess=Zq8x7Lm2Pk0a; theme=dark")).toBe("Cookie: mysess=***; theme=***");
    expect(redactText("Set-Cookie: theme=dark; Path=/; SameSite=Lax")).toBe(
      "Set-Cookie: theme=***; Path=/; SameSite=Lax",
    );
  });
});
