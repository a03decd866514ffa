import { projectPath } from "../../paths.js";
import { startPythonApp, type PythonAppOptions } from "./python.js";
import type { AppNode, AppStack } from "./types.js";

/**
 * Flask's default sessions: the session is the cookie itself, `session=<payload>.<timestamp>.<signature>` signed
 * with SECRET_KEY; there is no store. A node's env takes Flask's own settings, documented at the top of the app:
 * SECRET_KEY, SESSION_COOKIE_NAME, PERMANENT_SESSION_LIFETIME (seconds; sign-ins then make permanent sessions),
 * SESSION_REFRESH_EACH_REQUEST, SESSION_COOKIE_SECURE, SESSION_COOKIE_HTTPONLY (1/0), SESSION_COOKIE_SAMESITE.
 */
export const FLASK_APP = projectPath("lab", "apps", "flask", "app.py");

/** The test user's sign-in, as an engineer would give it to sessiondoc (`--login`). */
export const FLASK_LOGIN = {
  method: "POST",
  path: "/login",
  form: { username: "probe", password: "probe-password" },
} as const;

export function startFlask(env: Record<string, string>, opts: PythonAppOptions = {}): Promise<AppNode> {
  return startPythonApp("flask", FLASK_APP, env, opts);
}

export const flaskStack: AppStack = {
  kind: "flask",
  title: "Python / Flask (signed-cookie sessions)",
  packages: ["python3-flask"],
  paths: {
    login: FLASK_LOGIN,
    check: "/account",
    health: "/health",
    signedIn: (status, body) => status === 200 && body.includes("Welcome back"),
  },
  start: (node, ctx) =>
    startFlask(node.env, { detached: ctx.detached, name: node.name, clockOffset: node.clockOffset }),
};
