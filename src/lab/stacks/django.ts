import { join } from "node:path";
import { projectPath } from "../../paths.js";
import { startPythonApp, type PythonAppOptions } from "./python.js";
import type { AppNode, AppStack } from "./types.js";

/**
 * Django with django.contrib.sessions and auth: cookies `sessionid` and `csrftoken`; the account page is behind
 * @login_required and carries a CSRF-protected form. Users (and database sessions) live in one SQLite file in the
 * scenario's shared folder. A node's env takes Django's own settings, documented at the top of the app:
 * SECRET_KEY, SESSION_ENGINE (db, cache = LocMemCache in each node's memory, cached_db, signed_cookies, file),
 * SESSION_COOKIE_NAME, SESSION_COOKIE_AGE, SESSION_SAVE_EVERY_REQUEST, SESSION_COOKIE_SECURE,
 * SESSION_COOKIE_HTTPONLY, SESSION_COOKIE_SAMESITE, SESSION_COOKIE_DOMAIN, CSRF_COOKIE_SECURE; LOGIN_TIME_IN_SESSION=1
 * (a datetime in the session the JSON serializer cannot save); DATABASE overrides the SQLite file; WORKERS serves it
 * with gunicorn and that many worker processes (Debian's gunicorn) instead of runserver.
 */
export const DJANGO_APP = projectPath("lab", "apps", "django", "app.py");

/** `env.DATABASE` is the SQLite file; nodes given the same file share users and database sessions. */
export function startDjango(
  env: Record<string, string> & { DATABASE: string },
  opts: PythonAppOptions = {},
): Promise<AppNode> {
  return startPythonApp("django", DJANGO_APP, env, opts);
}

export const djangoStack: AppStack = {
  kind: "django",
  title: "Python / Django (django.contrib.sessions)",
  packages: ["python3-django", "gunicorn"],
  paths: {
    session: "/accounts/test-login/",
    check: "/account/",
    health: "/health/",
    signedIn: (status, body) => status === 200 && body.includes("Signed in as"),
  },
  start: (node, ctx) =>
    startDjango(
      { DATABASE: join(ctx.sharedDir, "db.sqlite3"), ...node.env },
      { detached: ctx.detached, name: node.name, clockOffset: node.clockOffset },
    ),
};
