# A stand-in for a customer's Django app in one file: django.contrib.auth and sessions, CSRF protection, the
# account page behind @login_required. Users live in a SQLite database that every node of a deployment shares.
#
#   PORT                          where it listens (loopback)
#   DATABASE                      the SQLite file; migrated on the first start (nodes starting together take turns)
#   SECRET_KEY                    signs session data, signed-cookie sessions and the session's auth hash
#   SESSION_ENGINE                db (default), cache (LocMemCache: this process only), cached_db, signed_cookies,
#                                 file, or a dotted module path
#   SESSION_COOKIE_NAME           default "sessionid"
#   SESSION_COOKIE_AGE            seconds (default two weeks)
#   SESSION_SAVE_EVERY_REQUEST    1/0: save the session and re-issue its cookie on every answer
#   SESSION_COOKIE_SECURE, SESSION_COOKIE_HTTPONLY, CSRF_COOKIE_SECURE  1/0; SESSION_COOKIE_SAMESITE  Lax, Strict, None
#   SESSION_COOKIE_DOMAIN         the session cookie's Domain attribute
#   LOGIN_TIME_IN_SESSION=1       sign-in keeps the time as a datetime object in the session, as code written for the
#                                 old PickleSerializer does: the default JSONSerializer cannot save it
#   WORKERS                       serve with gunicorn and this many worker processes (sync workers, each its own
#                                 memory: a LocMemCache per worker) instead of runserver's single process
#
# Pages: GET /accounts/test-login/ signs the test user in (created when missing) and redirects to /account/ as a
# login does; /accounts/login/ is Django's LoginView (user "probe", password "probe-password"); /account/ shows
# who is signed in and a CSRF-protected form (a new masked token in every answer), and redirects anonymous users
# to the login page; /accounts/logout/; /health/. Warnings (such as "Session data corrupted") go to stderr.
import fcntl
import os
import sys

import django
from django.conf import settings

env = os.environ
TEST_USER, TEST_PASSWORD = "probe", "probe-password"


def flag(name):
    return env[name].lower() in ("1", "true", "yes", "on")


def engine(name):
    return name if "." in name else f"django.contrib.sessions.backends.{name}"


session_settings = {}
for name in ("SESSION_COOKIE_NAME", "SESSION_COOKIE_SAMESITE", "SESSION_COOKIE_DOMAIN"):
    if env.get(name):
        session_settings[name] = env[name]
if env.get("SESSION_COOKIE_AGE"):
    session_settings["SESSION_COOKIE_AGE"] = int(env["SESSION_COOKIE_AGE"])
for name in ("SESSION_SAVE_EVERY_REQUEST", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_SECURE"):
    if env.get(name):
        session_settings[name] = flag(name)

LOGIN_PAGE = """<!doctype html><html><head><title>Sign in</title></head><body><h1>Sign in</h1>
<form method="post">{% csrf_token %}{{ form.as_p }}<input type="hidden" name="next" value="{{ next }}">
<button>Sign in</button></form></body></html>"""

ACCOUNT_PAGE = """<!doctype html><html><head><title>Your account</title></head><body><h1>Your account</h1>
<p>Signed in as {{ user.username }}.</p>
<form method="post">{% csrf_token %}<label>Email <input name="email" value="{{ user.email }}"></label>
<button>Save</button></form></body></html>"""

settings.configure(
    DEBUG=False,
    SECRET_KEY=env.get("SECRET_KEY", ""),
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions"],
    MIDDLEWARE=[
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
    ],
    DATABASES={
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": env["DATABASE"], "OPTIONS": {"timeout": 20}}
    },
    DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
    TEMPLATES=[
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "OPTIONS": {
                "context_processors": ["django.contrib.auth.context_processors.auth"],
                "loaders": [
                    (
                        "django.template.loaders.locmem.Loader",
                        {"registration/login.html": LOGIN_PAGE, "account.html": ACCOUNT_PAGE},
                    )
                ],
            },
        }
    ],
    USE_TZ=True,
    LOGIN_REDIRECT_URL="/account/",
    SESSION_ENGINE=engine(env.get("SESSION_ENGINE", "db")),
    LOGGING={
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
        "loggers": {"django": {"handlers": ["stderr"], "level": "INFO"}},
    },
    **session_settings,
)
django.setup()

from django.contrib.auth import get_user_model, login  # noqa: E402  (needs the settings above)
from django.contrib.auth import views as auth_views  # noqa: E402
from django.contrib.auth.decorators import login_required  # noqa: E402
from django.db import IntegrityError, transaction  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.shortcuts import redirect, render  # noqa: E402
from django.urls import path  # noqa: E402
from django.utils import timezone  # noqa: E402


def test_user():
    User = get_user_model()
    try:
        return User.objects.get(username=TEST_USER)
    except User.DoesNotExist:
        try:
            with transaction.atomic():
                return User.objects.create_user(TEST_USER, password=TEST_PASSWORD)
        except IntegrityError:  # another node created it first
            return User.objects.get(username=TEST_USER)


def test_login(request):
    login(request, test_user(), backend="django.contrib.auth.backends.ModelBackend")
    if env.get("LOGIN_TIME_IN_SESSION") == "1":
        request.session["signed_in_at"] = timezone.now()
    return redirect(settings.LOGIN_REDIRECT_URL)


@login_required
def account(request):
    if request.method == "POST":
        request.user.email = request.POST.get("email", "")
        request.user.save(update_fields=["email"])
        return redirect("/account/")
    return render(request, "account.html")


def health(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("accounts/test-login/", test_login),
    path("accounts/login/", auth_views.LoginView.as_view()),
    path("accounts/logout/", auth_views.LogoutView.as_view()),
    path("account/", account),
    path("health/", health),
]

if __name__ == "__main__":
    from django.core.management import call_command, execute_from_command_line

    with open(env["DATABASE"] + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        call_command("migrate", verbosity=0, interactive=False)
    if env.get("WORKERS"):
        here = os.path.dirname(os.path.abspath(__file__))
        bind = f"127.0.0.1:{env['PORT']}"
        os.execvp("gunicorn", ["gunicorn", "--chdir", here, "-w", env["WORKERS"], "-b", bind, "app:application"])
    execute_from_command_line([sys.argv[0], "runserver", "--noreload", f"127.0.0.1:{env['PORT']}"])
else:
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
