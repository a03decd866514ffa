import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../src/log.js";

describe("logs", () => {
  it("are JSON lines with secrets censored wherever the field appears", () => {
    const lines: string[] = [];
    const destination = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const log = createLogger({ level: "info", destination });
    log.info(
      {
        password: "hunter2",
        targets: { redis: "redis://:pw1@h:6379" },
        headers: { cookie: "connect.sid=s%3Aabc" },
        user: "alice",
      },
      "probe run",
    );
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({
      msg: "probe run",
      user: "alice",
      password: "***",
      targets: { redis: "***" },
      headers: { cookie: "***" },
    });
    expect(lines.join("")).not.toMatch(/hunter2|pw1|abc/);
  });
});
