import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpClient, DEFAULT_HTTP_LIMITS } from "../../src/probes/http/client.js";
import { cookieProblems, CookieJar, parseSetCookie } from "../../src/probes/http/cookies.js";
import { decodeBigIp, recogniseAffinity, reissuedEveryAnswer, stackOfCookie } from "../../src/probes/http/names.js";
import { createPolicy, TargetRefused } from "../../src/probes/http/policy.js";

let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    switch (req.url) {
      case "/hang":
        return; // accepts, never answers
      case "/endless": {
        res.writeHead(200, { "content-type": "text/plain" });
        const chunk = Buffer.alloc(64 * 1024, "x");
        const pump = () => {
          while (res.write(chunk)) continue;
          res.once("drain", pump);
        };
        return pump();
      }
      case "/loop-a":
        return res.writeHead(302, { location: "/loop-b" }).end();
      case "/loop-b":
        return res.writeHead(302, { location: "/loop-a" }).end();
      case "/to-metadata":
        return res.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/" }).end();
      case "/to-elsewhere":
        return res.writeHead(302, { location: "http://127.0.0.2:9/" }).end();
      case "/set":
        return res.writeHead(302, { location: "/echo", "set-cookie": ["a=1; Path=/", "gone=1; Secure; Path=/"] }).end();
      case "/echo":
        return res.end(req.headers.cookie ?? "");
      default:
        res.end("ok");
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const limits = { ...DEFAULT_HTTP_LIMITS, headersTimeoutMs: 500, bodyTimeoutMs: 500, maxBodyBytes: 256 * 1024 };

describe("bounded requests", () => {
  it("give up on a server that never answers, at the header timeout", async () => {
    const client = new HttpClient(createPolicy(["127.0.0.1"]), limits);
    const started = Date.now();
    await expect(client.fetch(`${base}/hang`)).rejects.toThrow(
      /^no answer from http:\/\/127\.0\.0\.1:\d+\/hang within 0\.5 s$/,
    );
    expect(Date.now() - started).toBeLessThan(3000);
    await client.close();
  });

  it("cut an endless body at the size limit", async () => {
    const client = new HttpClient(createPolicy(["127.0.0.1"]), limits);
    const res = await client.fetch(`${base}/endless`);
    expect(res.truncated).toBe(true);
    expect(res.body.length).toBeLessThanOrEqual(256 * 1024);
    await client.close();
  });

  it("stop a redirect loop", async () => {
    const client = new HttpClient(createPolicy(["127.0.0.1"]), limits);
    await expect(client.fetch(`${base}/loop-a`)).rejects.toThrow(
      /^redirect loop: .*\/loop-a → .*\/loop-b → .*\/loop-a$/,
    );
    await client.close();
  });

  it("check every redirect hop: metadata addresses and other hosts are refused", async () => {
    const client = new HttpClient(createPolicy(["127.0.0.1"]), limits);
    await expect(client.fetch(`${base}/to-metadata`)).rejects.toThrow(
      /169\.254\.169\.254, a link-local address \(cloud metadata/,
    );
    await expect(client.fetch(`${base}/to-elsewhere`)).rejects.toThrow(
      /127\.0\.0\.2 \(127\.0\.0\.2\) is not in the allowlist/,
    );
    await client.close();
  });

  it("check names by name rules only: an address range never lets a name through", async () => {
    const byName = new HttpClient(createPolicy(["localhost"]), limits);
    const port = new URL(base).port;
    expect((await byName.fetch(`http://localhost:${port}/`)).status).toBe(200);
    await byName.close();
    const byCidr = new HttpClient(createPolicy(["10.0.0.0/8"]), limits);
    await expect(byCidr.fetch(`http://localhost:${port}/`)).rejects.toThrow(
      /^http:\/\/localhost:\d+ is not in the allowlist \(10\.0\.0\.0\/8\)$/,
    );
    await byCidr.close();
  });

  it("keep cookies across redirects the way a browser does", async () => {
    const client = new HttpClient(createPolicy(["127.0.0.1"]), limits);
    const jar = new CookieJar();
    const res = await client.fetch(`${base}/set`, { jar });
    expect(res.body.toString()).toBe("a=1"); // the Secure cookie set over http:// was dropped
    expect(jar.seen.find((s) => s.cookie.name === "gone")!.problems.map((p) => p.rule)).toEqual(["secure-over-http"]);
    await client.close();
  });
});

describe("the target policy", () => {
  it("allows hosts, wildcards, CIDRs and URL prefixes", () => {
    const p = createPolicy(["app.example.com", "*.internal.example", "10.1.0.0/16", "https://shop.example.com/cart/"]);
    expect(() => p.checkUrl(new URL("https://app.example.com/x"))).not.toThrow();
    expect(() => p.checkUrl(new URL("http://a.b.internal.example/"))).not.toThrow();
    expect(() => p.checkUrl(new URL("http://10.1.2.3:8080/"))).not.toThrow();
    expect(() => p.checkUrl(new URL("https://shop.example.com/cart/items"))).not.toThrow();
    expect(() => p.checkUrl(new URL("https://shop.example.com/admin"))).toThrow(/outside the allowlisted prefixes/);
    expect(() => p.checkUrl(new URL("http://10.2.0.1/"))).toThrow(TargetRefused);
    expect(() => p.checkAddress("app.example.com", "10.9.9.9")).not.toThrow();
    expect(() => p.checkAddress("rebound.example", "10.9.9.9")).toThrow(/not in the allowlist/);
  });

  it("refuses link-local and metadata addresses unless an address entry names them", () => {
    const wide = createPolicy(["app.example.com", "0.0.0.0/0", "::/0"]);
    expect(() => wide.checkAddress("app.example.com", "169.254.169.254")).toThrow(/link-local/);
    expect(() => wide.checkAddress("app.example.com", "fd00:ec2::254")).toThrow(/AWS metadata/);
    expect(() => wide.checkAddress("app.example.com", "::ffff:169.254.169.254")).toThrow(/link-local/);
    expect(() => createPolicy(["169.254.169.254"]).checkUrl(new URL("http://169.254.169.254/"))).not.toThrow();
    expect(() => wide.checkUrl(new URL("ftp://app.example.com/"))).toThrow(/ftp: URLs are not probed/);
  });
});

describe("cookie rules as browsers apply them", () => {
  const http = new URL("http://app.example.com/login");
  const https = new URL("https://app.example.com/login");
  const rules = (header: string, url: URL, opts: Parameters<typeof cookieProblems>[2] = {}) =>
    cookieProblems(parseSetCookie(header)!, url, opts).map((p) => p.rule);

  const cases: Array<[string, URL, Parameters<typeof cookieProblems>[2], string[]]> = [
    ["connect.sid=s%3Aa.b; Path=/; HttpOnly; Secure", http, {}, ["secure-over-http"]],
    ["connect.sid=x; Path=/; HttpOnly; SameSite=None", https, {}, ["samesite-none-without-secure"]],
    ["connect.sid=x; Path=/; HttpOnly; Domain=other.example", https, {}, ["domain-mismatch"]],
    ["connect.sid=x; Path=/; HttpOnly; Domain=.example.com", https, {}, []],
    [
      "connect.sid=x; Path=/; HttpOnly; Domain=co.uk",
      new URL("https://shop.co.uk/login"),
      {},
      ["domain-public-suffix"],
    ],
    ["__Host-sid=x; Path=/app; Secure; HttpOnly", https, {}, ["host-prefix"]],
    ["__Secure-sid=x; Path=/; HttpOnly", https, {}, ["secure-prefix"]],
    ["big=<4100 bytes>".replace("<4100 bytes>", "v".repeat(4100)), https, {}, ["too-large"]],
    [
      "connect.sid=x; Path=/; HttpOnly; Expires=Wed, 25 Nov 2026 10:00:00 GMT",
      https,
      { serverDate: new Date("2026-11-25T12:00:00Z") },
      ["expired-on-arrival"],
    ],
    ["connect.sid=x; Path=/admin; HttpOnly", https, { appPath: "/me" }, ["path-excludes-app"]],
    ["pref=x; Path=/; Max-Age=63072000", https, {}, ["lifetime-capped"]],
    ["connect.sid=x; Path=/", https, { session: true }, ["missing-httponly", "missing-secure-on-https"]],
    ["PHPSESSID=x; Path=/; Secure; HttpOnly; SameSite=Strict", https, { session: true }, ["samesite-strict"]],
    ["csrftoken=x; Path=/; Secure; SameSite=Strict", https, {}, []],
    ["PHPSESSID=x; Path=/; Secure; HttpOnly; SameSite=Lax", https, { session: true }, []],
  ];
  for (const [header, url, opts, expected] of cases) {
    it(`${header.length > 70 ? `${header.slice(0, 40)}… (${header.length} bytes)` : header} over ${url.protocol}`, () => {
      expect(rules(header, url, opts)).toEqual(expected);
    });
  }

  it("tells an affinity token re-issued on every answer from a backend's name", () => {
    const fresh = ["a1", "b2", "c3", "d4", "e5"];
    expect(reissuedEveryAnswer(fresh, 2)).toBe(true);
    expect(reissuedEveryAnswer(fresh, 0)).toBe(true);
    // A name comes back: two backends take turns.
    expect(reissuedEveryAnswer(["n1", "n2", "n1", "n2", "n1"], 2)).toBe(false);
    // No more values than backends: each may be one backend's name.
    expect(reissuedEveryAnswer(fresh, 5)).toBe(false);
    // Too few answers to tell; answers without the cookie are not values.
    expect(reissuedEveryAnswer(["a1", "b2", "c3"], 0)).toBe(false);
    expect(reissuedEveryAnswer(["a1", "", "", "b2", "c3"], 0)).toBe(false);
  });

  it("recognises affinity cookies and decodes F5's backend address", () => {
    expect(decodeBigIp("1677787402.36895.0000")).toBe("10.1.1.100:8080");
    expect(recogniseAffinity("BIGipServerpool_web", "1677787402.36895.0000")).toMatchObject({
      product: "F5 BIG-IP",
      backend: "10.1.1.100:8080",
    });
    expect(recogniseAffinity("AWSALB", "opaque")?.product).toBe("AWS load balancer");
    // Other values are never shown: the backend is a stable label derived from the value.
    const srv = recogniseAffinity("SRV", "app1")!;
    expect(srv).toMatchObject({
      product: "HAProxy (cookie insert)",
      backend: expect.stringMatching(/^SRV#[0-9a-f]{6}$/),
    });
    expect(recogniseAffinity("SRV", "app1")!.backend).toBe(srv.backend);
    expect(recogniseAffinity("SRV", "app2")!.backend).not.toBe(srv.backend);
    expect(recogniseAffinity("INGRESSCOOKIE", "1700000000.1.2|abcdef")?.backend).not.toContain("1700000000");
    expect(recogniseAffinity("theme", "dark")).toBeUndefined();
  });

  it("tells the stack from a session cookie's well-known name, or else from a value only one stack shapes so", () => {
    expect(stackOfCookie("PHPSESSID", "abc")).toBe("php");
    // express-session under a custom name: `s:<id>.<signature>`, URL-encoded.
    const express = "s%3AQkqGv3Yx3oRm1sQFh7cKpD9y2Zr8TnWb.m0jJ%2Bq3mZkq8H1qRz9vT4wQeYt2rXc6bN8dLpA5sKfE";
    expect(stackOfCookie("sid", express)).toBe("express");
    // The value's shape goes before a well-known name another stack uses too.
    expect(stackOfCookie("sessionid", express)).toBe("express");
    expect(stackOfCookie("sessionid", "x2k9q0m1z8w7v6u5t4s3r2p1o0n9m8l7")).toBe("python");
    expect(stackOfCookie("app_session", `CfDJ8${"A1b2C3d4E5-_".repeat(8)}`)).toBe("aspnet-core");
    // Ids that several stacks give alike say nothing: hex, a Django-style key, a signed Flask payload.
    for (const value of [
      "0F1E2D3C4B5A69788796A5B4C3D2E1F0",
      "x2k9q0m1z8w7v6u5t4s3r2p1o0n9m8l7",
      "eyJ1c2VyIjoiYSJ9.ZxYw.sig",
    ])
      expect(stackOfCookie("sid", value)).toBeUndefined();
  });
});
