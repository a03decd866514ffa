import { afterAll, describe, expect, it } from "vitest";
import { startNginx } from "../../src/lab/balancers/nginx.js";
import { collisionFindings, repeatedNames } from "../../src/probes/http/collisions.js";
import { CookieJar, parseSetCookie, cookieProblems } from "../../src/probes/http/cookies.js";
import {
  cookieSizeFindings,
  headerRefusal,
  limitOf,
  paddedCookie,
  responseHeadersFinding,
} from "../../src/probes/http/header-size.js";
import { httpContinuityProbe, httpCookieHeadersProbe } from "../../src/probes/http/index.js";
import { cacheableBySharedCache, proxyError } from "../../src/probes/http/session.js";
import type { HttpResponse } from "../../src/probes/http/client.js";
import { finding, runProbe, weightFor } from "../helpers/probe-context.js";
import { startApp, startHaproxy, type Running } from "../helpers/servers.js";

const body = (status: number, text: string) => ({ status, body: Buffer.from(text) });
const answer = (headers: Record<string, string>) => ({ headers }) as unknown as HttpResponse;

describe("header size refusals, read by the refusing product's words", () => {
  it("names nginx, Apache, Tomcat, HAProxy and Node, and ignores an app's own 400", () => {
    const nginx = "<html><head><title>400 Request Header Or Cookie Too Large</title></head><body>…</body></html>";
    expect(headerRefusal(body(400, nginx))).toBe("400 (nginx: Request Header Or Cookie Too Large)");
    expect(headerRefusal(body(400, "Size of a request header field exceeds server limit."))).toMatch(/Apache/);
    expect(headerRefusal(body(400, "java.lang.IllegalArgumentException: Request header is too large"))).toMatch(
      /Tomcat/,
    );
    expect(headerRefusal(body(400, "<h1>400 Bad request</h1>\nYour browser sent an invalid request."))).toMatch(
      /HAProxy/,
    );
    expect(headerRefusal(body(431, ""))).toBe("431 (Node: --max-http-header-size)");
    expect(headerRefusal(body(400, '{"error":"missing field: email"}'))).toBeUndefined();
    expect(headerRefusal(body(200, "Request Header Or Cookie Too Large"))).toBeUndefined();
  });

  it("reads such a refusal as a proxy error, never as the app's answer", () => {
    const res = { ...body(400, "Your browser sent an invalid request."), headers: {} } as unknown as HttpResponse;
    expect(proxyError(res)).toMatch(/^400 \(HAProxy/);
  });

  it("pads a dummy cookie to the size asked", () => {
    expect(Buffer.byteLength(paddedCookie(8192))).toBe(8192);
  });

  it("finds the limit between the largest accepted and the smallest refused size", () => {
    const limit = limitOf([{ bytes: 4096 }, { bytes: 8192, refused: "400 (nginx)" }]);
    expect(limit).toEqual({ accepted: 4096, refused: 8192, by: "400 (nginx)" });
    expect(limitOf([{ bytes: 4096 }, { bytes: 32768 }])).toEqual({ accepted: 32768 });
  });

  it("judges the signed-in cookies against that limit: refused, near it, or well within", () => {
    const limit = { accepted: 4096, refused: 8192, by: "400 (nginx)" };
    const refused = cookieSizeFindings({ bytes: 9100, count: 4, refused: "400 (nginx)" }, limit, "lb");
    expect(refused.map((f) => [f.id, f.anomaly])).toEqual([["cookies-refused", true]]);
    expect(cookieSizeFindings({ bytes: 5000, count: 3 }, limit, "lb")[0]!.id).toBe("cookies-near-limit");
    const within = cookieSizeFindings({ bytes: 2500, count: 3 }, limit, "lb")[0]!;
    expect(within.id).toBe("cookies-within-limit");
    expect(within.summary).toMatch(
      /2500 bytes \(3 cookies\), well within what lb accepts \(4 KB passed, 8 KB refused\)/,
    );
  });

  it("blames the proxy's response buffer only when a node answers the same sign-in", () => {
    const through = { status: 502, where: "lb" };
    expect(
      responseHeadersFinding(through, { status: 200, headerBytes: 9000, setCookieBytes: 8600, where: "n1" })?.id,
    ).toBe("response-headers-refused");
    expect(responseHeadersFinding(through, { status: 500, headerBytes: 300, setCookieBytes: 0, where: "n1" })).toBe(
      undefined,
    );
  });
});

describe("cookies of one name sent twice", () => {
  const url = new URL("http://shop.example.com/account/");

  it("counts repeated names in a Cookie header", () => {
    expect(repeatedNames("a=1; b=2; a=3")).toEqual(["a"]);
    expect(repeatedNames("a=1; b=2")).toEqual([]);
  });

  it("finds the session cookie set at two paths, as a browser would send it", () => {
    const jar = new CookieJar({ appPath: "/me" });
    jar.store(["connect.sid=main; Path=/; HttpOnly"], new URL("http://shop.example.com/login"));
    jar.store(["connect.sid=account; Path=/account; HttpOnly"], url);
    const [f] = collisionFindings(jar, [new URL("http://shop.example.com/login"), url], "connect.sid");
    expect(f!.id).toBe("cookie-collision");
    expect(f!.anomaly).toBe(true);
    expect(f!.summary).toContain("Path=/ and as host shop.example.com, Path=/account");
  });

  it("finds a host-only cookie beside one with a Domain", () => {
    const jar = new CookieJar();
    jar.store(["sid=a; Path=/"], url);
    jar.store(["sid=b; Domain=example.com; Path=/"], url);
    expect(collisionFindings(jar, [url], "sid")[0]!.data).toMatchObject({ cookie: "sid", session: true, variants: 2 });
  });

  it("says each name is sent once when it is", () => {
    const jar = new CookieJar();
    jar.store(["connect.sid=a; Path=/", "account.sid=b; Path=/account"], url);
    expect(collisionFindings(jar, [url], "connect.sid").map((f) => f.id)).toEqual(["cookie-names-unique"]);
  });
});

describe("shared caches and oversized attributes", () => {
  it("tells a cacheable sign-in answer from a private one", () => {
    expect(cacheableBySharedCache(answer({ "cache-control": "public, max-age=60" }))).toEqual({
      explicit: true,
      reason: "Cache-Control: public, max-age=60",
    });
    expect(cacheableBySharedCache(answer({}))).toEqual({ explicit: false, reason: "no Cache-Control" });
    expect(cacheableBySharedCache(answer({ "cache-control": "private, max-age=0" }))).toBeUndefined();
    expect(cacheableBySharedCache(answer({ "cache-control": "no-store" }))).toBeUndefined();
  });

  it("reports an attribute over 1024 bytes, which browsers ignore, and keeps the cookie", () => {
    const c = parseSetCookie(`sid=1; Path=/${"p".repeat(1100)}; HttpOnly`)!;
    const problems = cookieProblems(c, new URL("http://example.com/"));
    expect(problems.map((p) => [p.rule, p.dropped])).toEqual([["attribute-too-large", false]]);
  });
});

const running: Running[] = [];
afterAll(async () => {
  await Promise.all(running.map((r) => r.stop()));
});

/** Starts every server, keeping those that did start for afterAll even when another one fails to. */
async function started<T extends Running>(starts: Array<Promise<T>>): Promise<T[]> {
  const settled = await Promise.allSettled(starts);
  for (const s of settled) if (s.status === "fulfilled") running.push(s.value);
  const failed = settled.find((s) => s.status === "rejected");
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}

/** Express nodes behind a real nginx with these lines in its server block. */
async function behindNginx(env: Record<string, string>, frontLines: string[] = []) {
  const nodes = await started([startApp({ NODE_NAME: "n1", ...env }), startApp({ NODE_NAME: "n2", ...env })]);
  const [nginx] = await started([
    startNginx(
      nodes.map((n, i) => ({ port: n.port, name: `n${i + 1}`, sessionCookie: "connect.sid" })),
      { frontLines },
    ),
  ]);
  return {
    url: nginx!.url,
    nodes: nodes.map((n) => n.url),
    sessionPath: "/login",
    checkPath: "/me",
    healthPath: "/health",
  };
}

describe("through a real nginx", () => {
  it("finds nginx's 8 KB request header line limit, and signed-in cookies of 9 KB refused by it", async () => {
    const targets = await behindNginx({ LARGE_COOKIES: "3000,3000,3000" }, [
      "proxy_buffer_size 16k;",
      "proxy_buffers 8 16k;",
    ]);
    const out = await runProbe(httpCookieHeadersProbe, targets);
    expect(finding(out, "header-limit").data).toEqual({ accepted: 4096, refused: 8192 });
    const refused = finding(out, "cookies-refused");
    expect(refused.summary).toMatch(/nginx: Request Header Or Cookie Too Large/);
    expect(out.facts["header-errors"]).toBe("yes");
    expect(weightFor(httpCookieHeadersProbe, out, "cookies-refused", "header-size-limit")).toBe(0.9);
  });

  it("blames nginx's response buffer when the sign-in's cookies overflow it (502)", async () => {
    const targets = await behindNginx({ LARGE_COOKIES: "3000,3000" });
    const out = await runProbe(httpCookieHeadersProbe, targets);
    const f = finding(out, "response-headers-refused");
    expect(f.data).toMatchObject({ status: 502 });
    expect(weightFor(httpCookieHeadersProbe, out, "response-headers-refused", "header-size-limit")).toBe(0.85);
  });

  it("sees two visitors handed one session by a cache that ignores Set-Cookie", async () => {
    const targets = await behindNginx({}, [
      "proxy_cache app;",
      "proxy_cache_valid 200 10m;",
      "proxy_ignore_headers Set-Cookie Cache-Control Expires;",
      "add_header X-Cache-Status $upstream_cache_status;",
    ]);
    const out = await runProbe(httpContinuityProbe, targets, { params: { requests: 4 } });
    expect(finding(out, "shared-session-id").summary).toMatch(/x-cache-status: HIT/);
    expect(finding(out, "cached-session-response").anomaly).toBe(true);
    expect(out.findings.some((f) => f.id === "visitors-distinct")).toBe(false);
    expect(out.facts["session-cached"]).toBe("yes");
    expect(weightFor(httpContinuityProbe, out, "shared-session-id", "session-leak-cache")).toBe(0.9);
  });

  it("examines the leak when only static files are cached", async () => {
    const targets = await behindNginx({}, [
      "location /static/ { proxy_pass http://app; proxy_cache app; proxy_cache_valid 200 10m; }",
    ]);
    const out = await runProbe(httpContinuityProbe, targets, { params: { requests: 4 } });
    expect(out.facts["session-cached"]).toBe("no");
    expect(weightFor(httpContinuityProbe, out, "visitors-distinct", "session-leak-cache")).toBe(-0.6);
  });

  it("finds HAProxy's own limit (its default tune.bufsize) and judges small cookies well within it", async () => {
    const nodes = await started([startApp({ NODE_NAME: "n1" }), startApp({ NODE_NAME: "n2" })]);
    const [haproxy] = await started([startHaproxy(nodes.map((n, i) => ({ port: n.port, name: `n${i + 1}` })))]);
    const targets = {
      url: haproxy!.url,
      nodes: nodes.map((n) => n.url),
      sessionPath: "/login",
      checkPath: "/me",
      healthPath: "/health",
    };
    const out = await runProbe(httpCookieHeadersProbe, targets);
    expect(finding(out, "header-limit").summary).toMatch(/refused a Cookie header of 16 KB with 400 \(HAProxy/);
    expect(out.facts["header-errors"]).toBe("no");
    expect(weightFor(httpCookieHeadersProbe, out, "cookies-within-limit", "header-size-limit")).toBe(-0.6);
    expect(weightFor(httpCookieHeadersProbe, out, "cookie-names-unique", "cookie-collision")).toBe(-0.5);
  });
});
