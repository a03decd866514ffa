import { describe, expect, it } from "vitest";
import { carriesSession } from "../../src/probes/http/session.js";

// What a cookie value that carries the session looks like, on the stacks that issue one, against ids that only
// name a session.
describe("a cookie value that carries the session itself", () => {
  it.each([
    [
      "Django signed cookies, compressed",
      ".eJxVjMsOwiAQRf9l1iyg1gr8i3FhC1WM0oaHLgz_7gUb3f-ebuWdvjVTyA:1tGx3k:Hq0kq8vJ6vYvE7n_cYbYhm1cWZLl1f7zXnAW2Xq3Yw",
    ],
    ["Flask (itsdangerous)", "eyJ1c2VyIjoiYWxpY2UifQ.Z0Yq5A.8cTj0zT2m1rK3q9Vwq0aXb1cD2e"],
    ["cookie-session (base64 JSON)", Buffer.from('{"user":"alice","cart":[1,2]}').toString("base64")],
    ["Rails cookie store", "Zm9vYmFyYmF6cXV4Zm9vYmFy--Zm9vYmFyYmF6cXV4Zm9vYmFy--YWJj"],
  ])("%s", (_stack, value) => {
    expect(carriesSession(value)).toBe(true);
  });

  it.each([
    ["express-session", "s%3AJ9x2kLq0bq8mZt1Yw3Vn5Rr7Hh0Ff2Dd.Qm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4"],
    ["PHP", "k3j9s8d7f6g5h4j3k2l1q0w9e8r7t6y5"],
    ["Tomcat with a route", "4A7C1E5B9D2F8A3C6E0B4D7F1A9C2E5B.node1"],
    ["ASP.NET session id", "qm1x5yz2rbo3bn4vw5sy0z1a"],
  ])("not %s's id", (_stack, value) => {
    expect(carriesSession(value)).toBe(false);
  });
});
