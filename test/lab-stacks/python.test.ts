import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDjango } from "../../src/lab/stacks/django.js";
import { FLASK_LOGIN, startFlask } from "../../src/lab/stacks/flask.js";
import type { AppNode } from "../../src/lab/stacks/types.js";

// The lab's Python stacks, started for real: what their cookies look like and when sessions cross nodes.

type Answer = { status: number; location: string | null; body: string; cookies: Map<string, string> };

/** One request, no redirects followed; `cookies` maps each Set-Cookie name to its whole header line. */
async function send(url: string, cookie?: string, form?: Record<string, string>): Promise<Answer> {
  const res = await fetch(url, {
    method: form ? "POST" : "GET",
    body: form ? new URLSearchParams(form).toString() : undefined,
    redirect: "manual",
    headers: {
      ...(cookie ? { cookie } : {}),
      ...(form ? { "content-type": "application/x-www-form-urlencoded" } : {}),
    },
  });
  const cookies = new Map(res.headers.getSetCookie().map((line) => [line.trim().split("=")[0]!, line.trim()]));
  return { status: res.status, location: res.headers.get("location"), body: await res.text(), cookies };
}

/** `name=value` of a Set-Cookie line, ready to send back. */
function pair(line: string | undefined): string {
  expect(line).toBeDefined();
  return line!.split(";")[0]!;
}

const nodes: AppNode[] = [];
afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
});

describe("the Flask stack", () => {
  let [sameA, sameB, otherKey, permanent] = [] as AppNode[];
  beforeAll(async () => {
    [sameA, sameB, otherKey, permanent] = await Promise.all([
      startFlask({ SECRET_KEY: "shared" }),
      startFlask({ SECRET_KEY: "shared" }),
      startFlask({ SECRET_KEY: "another" }),
      startFlask({ SECRET_KEY: "shared", PERMANENT_SESSION_LIFETIME: "1800" }),
    ]);
    nodes.push(sameA!, sameB!, otherKey!, permanent!);
  });

  const signIn = (node: AppNode) => send(`${node.url}${FLASK_LOGIN.path}`, undefined, FLASK_LOGIN.form);

  it("signs in with a cookie named session that carries the session itself, signed: payload.timestamp.signature", async () => {
    const login = await signIn(sameA!);
    expect(login.status).toBe(302);
    expect(login.location).toBe("/account");
    const line = login.cookies.get("session")!;
    expect(line).toMatch(/; HttpOnly/);
    expect(line).not.toMatch(/Expires=/i);
    const [payload, timestamp, signature] = pair(line).slice("session=".length).split(".");
    expect(JSON.parse(Buffer.from(payload!, "base64url").toString())).toEqual({ user: "probe" });
    expect(Buffer.from(timestamp!, "base64url").readUIntBE(0, 4)).toBeCloseTo(Date.now() / 1000, -1);
    expect(signature).toMatch(/^[\w-]{27}$/);
  });

  it("a node with the same key reads the session without re-issuing the cookie; anonymous users are sent to sign in", async () => {
    const cookie = pair((await signIn(sameA!)).cookies.get("session"));
    const other = await send(`${sameB!.url}/account`, cookie);
    expect(other.status).toBe(200);
    expect(other.body).toContain("Welcome back, probe");
    expect(other.cookies.size).toBe(0);
    const anonymous = await send(`${sameB!.url}/account`);
    expect([anonymous.status, anonymous.location]).toEqual([302, "/login?next=%2Faccount"]);
  });

  it("a node with another key ignores the cookie silently: no session, no Set-Cookie, nothing logged", async () => {
    const cookie = pair((await signIn(sameA!)).cookies.get("session"));
    const res = await send(`${otherKey!.url}/account`, cookie);
    expect([res.status, res.location]).toEqual([302, "/login?next=%2Faccount"]);
    expect(res.cookies.size).toBe(0);
    expect(readFileSync(otherKey!.logFile!, "utf8")).toMatch(/"GET \/account HTTP\/1.1" 302/);
    expect(readFileSync(otherKey!.logFile!, "utf8")).not.toMatch(/signature|Traceback/i);
  });

  it("a permanent session's cookie has an Expires and is re-issued on every answer", async () => {
    const line = (await signIn(permanent!)).cookies.get("session")!;
    const expires = Date.parse(/Expires=([^;]+)/i.exec(line)![1]!);
    expect(expires - Date.now()).toBeGreaterThan(1700_000);
    const again = await send(`${permanent!.url}/account`, pair(line));
    expect(again.body).toContain("Welcome back");
    expect(again.cookies.get("session")).toMatch(/^session=[\w-]+\.[\w-]+\.[\w-]+; Expires=/);
  });
});

describe("the Django stack", () => {
  const shared = mkdtempSync(join(tmpdir(), "sessiondoc-django-test-"));
  const database = join(shared, "db.sqlite3");
  let [dbA, dbB, otherKey, cookieSessions] = [] as AppNode[];
  beforeAll(async () => {
    // Started together on one new database: the first migrates it while the others wait.
    [dbA, dbB, otherKey, cookieSessions] = await Promise.all([
      startDjango({ DATABASE: database, SECRET_KEY: "shared" }),
      startDjango({ DATABASE: database, SECRET_KEY: "shared" }),
      startDjango({ DATABASE: database, SECRET_KEY: "another" }),
      startDjango({ DATABASE: database, SECRET_KEY: "shared", SESSION_ENGINE: "signed_cookies" }),
    ]);
    nodes.push(dbA!, dbB!, otherKey!, cookieSessions!);
  });
  afterAll(() => rmSync(shared, { recursive: true, force: true }));

  const signIn = (node: AppNode) => send(`${node.url}/accounts/test-login/`);
  const csrfInBody = (body: string) => /name="csrfmiddlewaretoken" value="(\w+)"/.exec(body)?.[1];

  it("signs the test user in with sessionid (an opaque id) and csrftoken cookies, then redirects to the account page", async () => {
    const login = await signIn(dbA!);
    expect([login.status, login.location]).toEqual([302, "/account/"]);
    expect(login.cookies.get("sessionid")).toMatch(
      /^sessionid=[a-z0-9]{32}; expires=[^;]+; HttpOnly; Max-Age=1209600; Path=\/; SameSite=Lax$/,
    );
    expect(login.cookies.get("csrftoken")).toMatch(/^csrftoken=\w{64};/);
  });

  it("shares sessions through the SQLite file: another node with the same key reads them", async () => {
    const cookie = pair((await signIn(dbA!)).cookies.get("sessionid"));
    const res = await send(`${dbB!.url}/account/`, cookie);
    expect(res.status).toBe(200);
    expect(res.body).toContain("Signed in as probe.");
    expect(res.cookies.has("sessionid")).toBe(false);
  });

  it("renders a new masked CSRF token on every answer and re-sends the same csrftoken cookie", async () => {
    const login = await signIn(dbA!);
    const cookie = [pair(login.cookies.get("sessionid")), pair(login.cookies.get("csrftoken"))].join("; ");
    const [first, second] = [await send(`${dbA!.url}/account/`, cookie), await send(`${dbA!.url}/account/`, cookie)];
    expect(csrfInBody(first.body)).toMatch(/^\w{64}$/);
    expect(csrfInBody(first.body)).not.toBe(csrfInBody(second.body));
    expect(pair(first.cookies.get("csrftoken"))).toBe(pair(login.cookies.get("csrftoken")));
    expect(pair(second.cookies.get("csrftoken"))).toBe(pair(login.cookies.get("csrftoken")));
  });

  it("a node with another key finds the row but cannot read it: anonymous there, the cookie and the row left alone", async () => {
    const cookie = pair((await signIn(dbA!)).cookies.get("sessionid"));
    const res = await send(`${otherKey!.url}/account/`, cookie);
    expect([res.status, res.location]).toEqual([302, "/accounts/login/?next=/account/"]);
    expect(res.cookies.has("sessionid")).toBe(false);
    expect((await send(`${dbA!.url}/account/`, cookie)).status).toBe(200);
  });

  it("deletes the cookie of a session it does not have", async () => {
    const res = await send(`${dbA!.url}/account/`, "sessionid=0123456789abcdefghijklmnopqrstuv");
    expect(res.status).toBe(302);
    expect(res.cookies.get("sessionid")).toMatch(/^sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0;/);
  });

  it("signed-cookie sessions: the cookie is payload:timestamp:signature, and a bad signature is answered with an empty session", async () => {
    const line = (await signIn(cookieSessions!)).cookies.get("sessionid")!;
    const value = pair(line).slice("sessionid=".length);
    expect(value).toMatch(/^\.?[\w-]+:[0-9A-Za-z]+:[\w-]+$/);
    const tampered = `sessionid=${value.slice(0, -4)}AAAA`;
    const res = await send(`${cookieSessions!.url}/account/`, tampered);
    expect(res.status).toBe(302);
    const reset = pair(res.cookies.get("sessionid")).slice("sessionid=".length);
    expect(reset.split(":")[0]).toBe(Buffer.from("{}").toString("base64url"));
  });

  it("keeps Django's log in the node's log file", async () => {
    await send(`${dbB!.url}/health/`);
    expect(readFileSync(dbB!.logFile!, "utf8")).toMatch(/INFO django\.server: "GET \/health\/ HTTP\/1\.1" 200/);
  });
});
