# A stand-in for a customer's Flask app with Flask's default sessions: the whole session is a cookie signed with
# SECRET_KEY (itsdangerous, `<payload>.<timestamp>.<signature>`); nothing is stored on the server.
#
#   PORT                          where it listens (loopback)
#   SECRET_KEY                    the signing key (unset: Flask refuses to sign in anyone)
#   SESSION_COOKIE_NAME           default "session"
#   PERMANENT_SESSION_LIFETIME    seconds; when set, a sign-in makes the session permanent (cookie with Expires)
#   SESSION_REFRESH_EACH_REQUEST  1/0 (Flask's default 1): a permanent session's cookie is re-issued on every answer
#   SESSION_COOKIE_SECURE, SESSION_COOKIE_HTTPONLY  1/0; SESSION_COOKIE_SAMESITE  Lax, Strict or None
#
# Pages: GET /login (the sign-in form), POST /login (form: username, password) signs in and redirects to
# /account; GET /account says "Welcome back" when signed in and redirects to the sign-in form otherwise;
# GET /logout; GET /health.
import os
from datetime import timedelta
from html import escape

from flask import Flask, redirect, request, session, url_for

USERS = {"probe": "probe-password"}

app = Flask(__name__)
env = os.environ


def flag(name):
    return env[name].lower() in ("1", "true", "yes", "on")


app.config["SECRET_KEY"] = env.get("SECRET_KEY") or None
for name in ("SESSION_COOKIE_NAME", "SESSION_COOKIE_SAMESITE"):
    if env.get(name):
        app.config[name] = env[name]
for name in ("SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_REFRESH_EACH_REQUEST"):
    if env.get(name):
        app.config[name] = flag(name)
if env.get("PERMANENT_SESSION_LIFETIME"):
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=int(env["PERMANENT_SESSION_LIFETIME"]))


def page(title, body):
    return f"<!doctype html><html><head><title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>"


@app.get("/login")
def login_form():
    nxt = escape(request.args.get("next", "/account"))
    return page(
        "Sign in",
        f'<form method="post" action="/login?next={nxt}">'
        '<input name="username"> <input name="password" type="password"> <button>Sign in</button></form>',
    )


@app.post("/login")
def login():
    user = request.form.get("username", "")
    if USERS.get(user) != request.form.get("password"):
        return page("Sign in", "<p>Wrong user name or password.</p>"), 401
    session.clear()
    session["user"] = user
    if "PERMANENT_SESSION_LIFETIME" in env:
        session.permanent = True
    nxt = request.args.get("next", "/account")
    return redirect(nxt if nxt.startswith("/") and not nxt.startswith("//") else "/account")


@app.get("/account")
def account():
    user = session.get("user")
    if not user:
        return redirect(url_for("login_form", next=request.path))
    return page("Your account", f"<p>Welcome back, {escape(user)}.</p>")


@app.get("/logout")
def logout():
    session.clear()
    return redirect(url_for("login_form"))


@app.get("/health")
def health():
    return "ok"


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(env["PORT"]), threaded=True)
