import { weigh } from "../src/evidence/table.js";
import { weights } from "./helpers/definitions.js";
import { describe, expect, it } from "vitest";
import { evidenceFromLog } from "../src/evidence/logs.js";
import { SIGNATURES } from "../src/evidence/signatures.js";
import { redactText, redactUrl } from "../src/redact.js";

// Real-world lines for each signature, as the software prints them.
const lines: Record<string, [string, string]> = {
  "java-not-serializable": ["java.io.NotSerializableException: com.example.UserContext", "serialization"],
  "python-not-serializable": ["TypeError: Object of type datetime is not JSON serializable", "serialization"],
  "php-not-serializable": [
    "PHP Fatal error:  Uncaught Exception: Serialization of 'Closure' is not allowed in [no active file]:0",
    "serialization",
  ],
  "ruby-not-serializable": ["TypeError (no _dump_data is defined for class Proc):", "serialization"],
  "rails-cookie-overflow": [
    "ActionDispatch::Cookies::CookieOverflow (ActionDispatch::Cookies::CookieOverflow):",
    "session-size",
  ],
  "java-invalid-class": [
    "java.io.InvalidClassException: com.example.Cart; local class incompatible: stream classdesc serialVersionUID = 42, local class serialVersionUID = 43",
    "serialization",
  ],
  "spring-serialization-failed": [
    "org.springframework.core.serializer.support.SerializationFailedException: Failed to deserialize payload",
    "serialization",
  ],
  "java-class-not-found-on-load": [
    "SEVERE: Exception loading sessions from persistent storage java.lang.ClassNotFoundException: com.example.Old",
    "serialization",
  ],
  "aspnet-key-ring": [
    "System.Security.Cryptography.CryptographicException: The key {3f1a2b4c-0d9e-4f8a-b7c6-5d4e3f2a1b0c} was not found in the key ring.",
    "key-mismatch",
  ],
  "aspnet-unprotect-session": [
    "warn: Microsoft.AspNetCore.Session.SessionMiddleware[7] Error unprotecting the session cookie.",
    "key-mismatch",
  ],
  "django-session-corrupted": ["WARNING django.security.SuspiciousSession: Session data corrupted", "key-mismatch"],
  "express-cookie-signature": ["express-session cookie signature invalid +0ms", "key-mismatch"],
  "redis-oom": ["ReplyError: OOM command not allowed when used memory > 'maxmemory'.", "store-capacity"],
  "redis-max-clients": ["ERR max number of clients reached", "store-capacity"],
  "redis-misconf": [
    "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk.",
    "store-capacity",
  ],
  "redis-readonly": ["ReplyError: READONLY You can't write against a read only replica.", "replication"],
  "redis-loading": ["LOADING Redis is loading the dataset in memory", "replication"],
  "connection-refused": ["Error: connect ECONNREFUSED 10.0.0.7:6379", "node-flapping"],
  timeout: [
    "upstream timed out (110: Connection timed out) while reading response header from upstream",
    "node-flapping",
  ],
  "csrf-mismatch": ["ForbiddenError: invalid csrf token", "id-regeneration"],
  "cookie-samesite-none-insecure": [
    'Cookie "connect.sid" rejected because it has the "SameSite=None" attribute but is missing the "secure" attribute.',
    "cookie-attributes",
  ],
  "cookie-secure-over-http": [
    'This Set-Cookie was blocked because it had the "Secure" attribute but was not received over a secure connection.',
    "cookie-attributes",
  ],
  "cookie-already-expired": ['Cookie "JSESSIONID" has been rejected because it is already expired.', "clock-skew"],
  "token-time": ["TokenExpiredError: jwt expired", "clock-skew"],
  "header-too-large": ["400 Bad Request: Request Header Or Cookie Too Large", "header-size-limit"],
  "upstream-header-too-big": [
    '2026/11/26 10:12:01 [error] 31#31: *417 upstream sent too big header while reading response header from upstream, client: 10.0.0.5, server: shop.example.com, request: "GET /login HTTP/1.1", upstream: "http://10.0.1.11:8080/login"',
    "header-size-limit",
  ],
  "server-header-limit": [
    "[Thu Nov 26 10:12:01.123456 2026] [core:info] [pid 1234] [client 10.0.0.5:51234] AH00561: Size of a request header field exceeds server limit: Cookie",
    "header-size-limit",
  ],
  "express-memory-store": ["Warning: connect.session() MemoryStore is not", "per-process-store"],
  "engineio-session-unknown": [
    'GET /socket.io/?EIO=4&transport=polling&t=P0x3&sid=Jk2 400 (Bad Request) {"code":1,"message":"Session ID unknown"}',
    "realtime-affinity",
  ],
  "signalr-no-connection": ["GET /chathub?id=QkVmd2 404 (Not Found): No Connection with that ID", "realtime-affinity"],
  "realtime-transport-close": ["socket.io:socket closing socket - reason transport close +25s", "realtime-affinity"],
  "phpredis-lock-not-acquired": [
    "PHP Notice:  session_start(): Acquire of session lock was not successful in /var/www/cart.php on line 3",
    "concurrent-write-race",
  ],
  "store-pool-exhausted": [
    "redis.clients.jedis.exceptions.JedisConnectionException: Could not get a resource from the pool",
    "store-connectivity",
  ],
  "store-client-closed": ["2026-11-26T22:40:01.123Z ERROR [n1] GET /me: The client is closed", "store-connectivity"],
  "store-connection-error": ["[ioredis] Unhandled error event: Error: read ECONNRESET", "store-connectivity"],
  "redis-moved": ["ERROR [n1] POST /login: MOVED 3999 127.0.0.1:6381", "store-cluster-mode"],
  "redis-crossslot": ["ReplyError: CROSSSLOT Keys in request don't hash to the same slot", "store-cluster-mode"],
  "redis-cluster-down": [
    "redis.clients.jedis.exceptions.JedisClusterException: CLUSTERDOWN The cluster is down",
    "store-cluster-mode",
  ],
};

describe("log signatures", () => {
  it("every signature has a real example line here", () => {
    expect(Object.keys(lines).sort()).toEqual(SIGNATURES.map((s) => s.id).sort());
  });

  for (const [id, [line, cause]] of Object.entries(lines)) {
    it(`${id} is recognised and points at ${cause}`, () => {
      const [item, ...others] = evidenceFromLog(`INFO all good\n${line}\n`, "app.log").filter(
        (e) => e.id === `log:app.log:${id}`,
      );
      expect(others).toEqual([]);
      expect(item!.summary).toContain("app.log line 2");
      const strongest = weigh([item!], {}, weights).sort((a, b) => b.weight - a.weight)[0]!;
      expect(strongest.cause).toBe(cause);
    });
  }

  it("counts repeats once, naming the first line", () => {
    const items = evidenceFromLog(
      "x\nREADONLY You can't write against a read only replica.\nREADONLY You can't write against a read only replica.\n",
      "r.log",
    );
    expect(items).toHaveLength(1);
    expect(items[0]!.summary).toMatch(/r\.log line 2 \(2 lines\)/);
  });

  it("finds nothing in healthy logs", () => {
    expect(evidenceFromLog("GET /cart 200 12ms\nPOST /login 302 40ms\n", "access.log")).toEqual([]);
  });
});

describe("redaction", () => {
  it("removes credentials, tokens and session ids from free text", () => {
    const text = [
      "redis://sessprobe:pa55word@10.0.0.5:6379/0",
      "Cookie: connect.sid=s%3AabcDEF123.sig",
      "Authorization: Bearer eyJhbGciOi.eyJzdWIiOi.sig",
      "token=xoxb-1234-5678-abcdef",
      "session 9f8e7d6c-5b4a-4321-9876-0a1b2c3d4e5f expired",
      "JSESSIONID=8F3A9C2B1D4E5F60718293A4B5C6D7E8.app1",
    ].join("\n");
    const out = redactText(text);
    for (const secret of [
      "pa55word",
      "abcDEF123",
      "eyJhbGciOi",
      "xoxb-1234",
      "9f8e7d6c",
      "8F3A9C2B1D4E5F60718293A4B5C6D7E8",
    ]) {
      expect(out).not.toContain(secret);
    }
  });

  it("keeps class names and ordinary words", () => {
    const line = "java.io.NotSerializableException: com.example.UserContextHolderFactoryBean";
    expect(redactText(line)).toBe(line);
  });

  it("shows URLs without password or query", () => {
    expect(redactUrl("rediss://probe:secret@cache.example.com:6380/2")).toBe(
      "rediss://probe:***@cache.example.com:6380/2",
    );
    expect(redactUrl("https://app.example.com/login?token=abc")).toBe("https://app.example.com/login?…");
  });
});
