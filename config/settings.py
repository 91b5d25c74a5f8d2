"""Misura settings: one module, read from the environment (see .env.example).

Bad values fail loudly at start-up rather than misbehaving later.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    """Strict boolean: a typo such as DEBUG=ture stops the start-up instead of meaning False."""
    raw = env.str(name, default=None)
    if raw is None:
        return default
    if raw.strip().lower() in _TRUE:
        return True
    if raw.strip().lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no, on/off).")


def env_positive_int(name: str, default: int) -> int:
    """Whole number of at least 1: zero or a negative value would quietly switch a protection off."""
    raw = env.str(name, default=None)
    if raw is None:
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if value < 1:
        raise ImproperlyConfigured(f"{name}={raw!r} must be at least 1.")
    return value


DEBUG = env_bool("DEBUG", default=False)

_DEV_SECRET = "insecure-development-key-do-not-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
if not DEBUG and (SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured("SECRET_KEY must be a random string of at least 50 characters in production.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from static/, not from a CDN (CSP: 'self' only)
    "django_filters",  # the API's list filters; its templates draw them in the browsable API
    "simple_history",
    "organization",
    "performance",
    "budget",
    "reports",
    "validation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "organization.context_processors.current_entity",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# With no DATABASE_URL the demo runs on a SQLite file; tests and production use PostgreSQL.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo behaves like production under two simultaneous saves. SQLite's default (deferred)
    # transactions both read, then the second one's write fails at once with "database is locked" (500):
    # IMMEDIATE takes the write lock when the transaction starts, so the second save waits (up to
    # `timeout` seconds) for the first, then reads its version and gets the 409 PostgreSQL gives.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "it"
LANGUAGES = [("it", "Italiano")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Rome"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default="") or BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Uploads: workbooks and evidence files are small; anything larger is refused.
MAX_UPLOAD_BYTES = env.int("MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_UPLOAD_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Redis and Celery: without REDIS_URL, tasks run eagerly in-process (the demo needs no broker).
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# Work in flight (a render, a publication, a recompute) writes a heartbeat every HEARTBEAT_TIMEOUT / 4
# seconds (config/heartbeat.py); one older than HEARTBEAT_TIMEOUT means its worker died: the next request,
# or the beat task below, marks it interrupted and starts it again.
HEARTBEAT_TIMEOUT = env_positive_int("HEARTBEAT_TIMEOUT", default=60)
# Redis gives an unacknowledged message (acks_late) back to another worker only after this many seconds.
# It must be longer than the longest task, or a task still running is delivered a second time: that is
# the PDF/A render of the Relazione (one WeasyPrint pass over the whole document), measured at 70 s for the
# demo's 74 pages on a 2-core machine under heavy load (tests/drills/), so some minutes for a Relazione
# several times longer. 30 minutes leaves that margin; it is no longer what recovers a killed worker's
# work (the heartbeats are, within about two HEARTBEAT_TIMEOUTs), only the last resort for a message
# nothing else tracks (the daily reminders). The result backend needs none: results are written once and
# read by key, never redelivered.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 30 * 60}
# Beat: the deadline reminders go out every morning, Italian time (CELERY_TIMEZONE), before office hours.
CELERY_BEAT_SCHEDULE = {
    "send-deadline-reminders": {
        "task": "performance.tasks.send_deadline_reminders_task",
        "schedule": crontab(hour=7, minute=0),
    },
    # Interrupted work (heartbeat older than HEARTBEAT_TIMEOUT) is restarted even if nobody asks again;
    # checked as often as the timeout, so it is noticed within two timeouts of the worker's death.
    "recover-interrupted-editions": {
        "task": "reports.tasks.recover_interrupted_editions_task",
        "schedule": float(HEARTBEAT_TIMEOUT),
        "options": {"expires": float(HEARTBEAT_TIMEOUT)},  # no pile of them while the workers are down
    },
    "recover-interrupted-recomputes": {
        "task": "performance.tasks.recover_interrupted_recomputes_task",
        "schedule": float(HEARTBEAT_TIMEOUT),
        "options": {"expires": float(HEARTBEAT_TIMEOUT)},  # no pile of them while the workers are down
    },
}

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "config.cache.ReusingRedisCache", "LOCATION": REDIS_URL}}
    # Sessions read from Redis, kept in the database too so a Redis restart logs nobody out.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="misura@localhost")


def parse_reminder_days(raw: str) -> tuple[int, ...]:
    """REMINDER_DAYS: comma-separated days before a period's deadline (0 = on the day). A typo must not
    silently drop a reminder, so anything but distinct whole numbers from 0 to 365 stops the start-up."""
    days: list[int] = []
    for part in raw.split(","):
        part = part.strip()
        if not (part.isascii() and part.isdigit()) or int(part) > 365:
            raise ImproperlyConfigured(f"REMINDER_DAYS={raw!r}: {part!r} is not a number of days from 0 to 365 "
                                       "(use e.g. 7,3,1,0).")
        if int(part) in days:
            raise ImproperlyConfigured(f"REMINDER_DAYS={raw!r} lists {part} twice.")
        days.append(int(part))
    return tuple(sorted(days, reverse=True))


def parse_site_url(raw: str) -> str:
    """SITE_URL: where users open Misura (http(s), host, optional path prefix). Links in e-mails are built on
    it: a task has no request to take the host from."""
    parts = urlsplit(raw.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ImproperlyConfigured(f"SITE_URL={raw!r} must be an absolute http(s) address such as "
                                   "https://misura.example.org")
    return raw.strip().rstrip("/")


# Deadline reminders (performance/reminders.py), sent by the beat schedule above. SITE_URL makes the
# links in the e-mails absolute.
REMINDER_DAYS = parse_reminder_days(env.str("REMINDER_DAYS", default="7,3,1"))
SITE_URL = parse_site_url(env.str("SITE_URL", default="http://127.0.0.1:8000"))

AUTHENTICATION_BACKENDS = ["organization.backends.MisuraBackend"]  # ModelBackend, cheaper get_user
LOGIN_URL = "login"  # /accesso/
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# Login lock-out (organization/auth.py): after LOGIN_FAILURE_LIMIT wrong passwords for one username,
# or LOGIN_IP_FAILURE_LIMIT from one address (higher, so colleagues behind one NAT are not locked out
# by each other's typos, low enough that one address cannot try many usernames), logins are refused for
# LOGIN_LOCKOUT_MINUTES after the last failure. Counters live in the cache, shared by all workers.
LOGIN_FAILURE_LIMIT = env_positive_int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_IP_FAILURE_LIMIT = env_positive_int("LOGIN_IP_FAILURE_LIMIT", default=4 * LOGIN_FAILURE_LIMIT)
LOGIN_LOCKOUT_MINUTES = env_positive_int("LOGIN_LOCKOUT_MINUTES", default=15)
# Only behind a reverse proxy that appends the client address to X-Forwarded-For: otherwise every
# request seems to come from the proxy and the address limit would lock everybody out at once.
LOGIN_TRUST_X_FORWARDED_FOR = env_bool("LOGIN_TRUST_X_FORWARDED_FOR", default=False)

REST_FRAMEWORK = {
    # Token first: DRF answers a failed request with the first class's challenge, so a bad token gets
    # 401 with "WWW-Authenticate: Token" (session auth has no challenge and would turn it into 403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Documents the error answers (400/401/403/404) of each operation next to its success.
    "DEFAULT_SCHEMA_CLASS": "performance.api_schema.MisuraAutoSchema",
    # limit/offset checked (400 naming the parameter) and bounded (limit ≤ 1000), bounds in the schema.
    "DEFAULT_PAGINATION_CLASS": "performance.api_paging.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Misura API",
    "DESCRIPTION": "Piano della performance, valori e risultati (sola lettura).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No call to the online validator (an external host, and the schema would leave the site).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

# Security: strict unless DEBUG. Behind a TLS-terminating proxy set SECURE_PROXY_SSL_HEADER.
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    # Only the browser tests' local http server turns this off (SECURE_COOKIES=0).
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    if env_bool("BEHIND_TLS_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
