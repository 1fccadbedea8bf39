"""Django settings for Knotenpunkt.

Everything that differs between a laptop and production comes from the
environment (see docs/deploy.md). Without any environment the app runs on the
embedded SQLite database under var/ in development mode.
"""

import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.utils.functional import lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from knotenpunkt.lib.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("KNOTENPUNKT_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        return key
    if not DEBUG and env_bool("KNOTENPUNKT_PRODUCTION", False):
        raise RuntimeError("SECRET_KEY (oder SECRET_KEY_FILE) muss in Produktion gesetzt sein.")
    # Development: a key generated once per checkout, kept outside git.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # Before accounts: its admin module takes django-otp's device admin off the back office again.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "knotenpunkt.changes",
    "knotenpunkt.accounts",
    "knotenpunkt.actors",
    "knotenpunkt.activities",
    "knotenpunkt.interactions",
    "knotenpunkt.network",
    "knotenpunkt.synergies",
    "knotenpunkt.initiatives",
    "knotenpunkt.reports",
    "knotenpunkt.pages",
    "knotenpunkt.history",
    "knotenpunkt.privacy",
    "knotenpunkt.backups",
    "knotenpunkt.core",
    "knotenpunkt.accounts.admin_config.KnotenpunktAdminConfig",
    "knotenpunkt.demo",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "axes",
    "django_htmx",
    "django_countries",
    "django_tasks",
    "knotenpunkt.core.tasks_config.TasksDatabaseConfig",  # django_tasks_db, named in German
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "knotenpunkt.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "knotenpunkt.accounts.middleware.TwoFactorSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "knotenpunkt.core.middleware.PrivateResponseMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the login page with the lockout message.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "knotenpunkt.urls"

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
                "django.template.context_processors.i18n",
                "knotenpunkt.accounts.context_processors.role_flags",
            ],
        },
    },
]

WSGI_APPLICATION = "knotenpunkt.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'knotenpunkt.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the worker, the web server and readers work side by side.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["TEST"] = {"NAME": env_str("SQLITE_TEST_NAME", "") or None}

# Parallel workers per query on the web server's PostgreSQL connections (core/web_database.py).
PG_WEB_PARALLEL_WORKERS = env_int("PG_WEB_PARALLEL_WORKERS", 0)

AUTH_USER_MODEL = "accounts.User"
# django-axes first: it refuses a locked-out username+address before the password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
# Each role's home: "Mein Akteur" for editors; it sends the office and the city's staff to their Schreibtisch.
LOGIN_REDIRECT_URL = "pages:my_actor"
LOGOUT_REDIRECT_URL = "pages:home"
# A password-reset link is valid this long (seconds).
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 3 * 24 * 3600)

# Login throttling (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords for one username from one
# address, that pair is locked for LOGIN_COOLOFF_MINUTES; a successful login resets the count. The
# attempts live in the database, so every app server counts the same ones.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "knotenpunkt.accounts.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "knotenpunkt.accounts.views.client_ip"
# Locks are lifted by a password reset or `manage.py axes_reset_username NAME`, not in the back office.
AXES_ENABLE_ADMIN = False
# Failed attempts only (they expire with the cool-off); no log of every successful login with address
# and browser (data minimisation).
AXES_DISABLE_ACCESS_LOG = True
# Behind N reverse proxies that each append to X-Forwarded-For, the client is the Nth address from
# the right; 0 (no proxy, or one that does not forward the address): REMOTE_ADDR.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# Two-factor login (django-otp, TOTP) for coordinators: the name authenticator apps show.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Knotenpunkt")

LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("Deutsch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Tests and `make run` serve static files without collectstatic.
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", True)
WHITENOISE_AUTOREFRESH = DEBUG

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Security: safe defaults, HTTPS switches on with KNOTENPUNKT_HTTPS.
HTTPS = env_bool("KNOTENPUNKT_HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Content-Security-Policy (django-csp): scripts from our own static files only — no inline script, no
# eval (htmx runs with allowEval false, see base.html). Style sheets from our own files; style
# attributes are allowed (SDG colours as custom properties, a chart's height), <style> elements are
# not. Images also as data: URIs (Pico's icons, the map's exports). See docs/decisions.md.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # The nonce: the initiative's one-pager keeps its print styles in the page (reports/views.py).
        "style-src-elem": [SELF, NONCE],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Browser features no page uses (the map does not locate the visitor), switched off for every page.
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), usb=(), browsing-topics=()"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Personal calendar feed tokens never reach a log (core/logging.py; gunicorn.conf.py for gunicorn.access).
    # 403 and 404 are one line each, without a traceback (core/logging.py).
    "filters": {
        "redact_feed_tokens": {"()": "knotenpunkt.core.logging.RedactFeedTokens"},
        "one_line_client_errors": {"()": "knotenpunkt.core.logging.OneLineClientErrors"},
    },
    "formatters": {
        "django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}", "style": "{"}
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server", "level": "INFO"},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
    "loggers": {
        # Configuring a logger replaces its handlers: django.server keeps Django's own one.
        "django.server": {
            "handlers": ["django.server"],
            "level": "INFO",
            "propagate": False,
            "filters": ["redact_feed_tokens"],
        },
        "django.request": {"filters": ["one_line_client_errors", "redact_feed_tokens"]},
    },
}

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
    # Rendered public pages for anonymous visitors (core.page_cache), per process.
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "pages",
        "OPTIONS": {"MAX_ENTRIES": env_int("PAGE_CACHE_ENTRIES", 2000)},
    }
    if env_bool("KNOTENPUNKT_PAGE_CACHE", True)
    else {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
}


# German country names where django-countries' catalogue is wrong or outdated, compared with CLDR and the
# Auswärtiges Amt's list of state names (tests/test_countries.py). Not through gettext: django-countries'
# own catalogue would translate the msgid "Grenada" back to "Granada".
def _country_name(german: str, english: str):
    return lazy(lambda: german if (get_language() or LANGUAGE_CODE).startswith("de") else english, str)()


COUNTRIES_OVERRIDE = {
    code: _country_name(german, english)
    for code, german, english in (
        ("AX", "Ålandinseln", "Åland Islands"),
        ("BW", "Botsuana", "Botswana"),
        ("CV", "Cabo Verde", "Cabo Verde"),
        ("FO", "Färöer", "Faroe Islands"),
        ("GD", "Grenada", "Grenada"),
        ("HK", "Hongkong", "Hong Kong"),
        ("KI", "Kiribati", "Kiribati"),
        ("MD", "Republik Moldau", "Moldova"),
        ("MZ", "Mosambik", "Mozambique"),
        ("PG", "Papua-Neuguinea", "Papua New Guinea"),
        ("SA", "Saudi-Arabien", "Saudi Arabia"),
        ("SR", "Suriname", "Suriname"),
        ("SZ", "Eswatini", "Eswatini"),
        ("TL", "Timor-Leste", "Timor-Leste"),
    )
}

# Directory listing
DIRECTORY_PAGE_SIZE = 20
# A text search counts at most this many matches ("mehr als 500 Akteure gefunden").
DIRECTORY_SEARCH_COUNT_CAP = env_int("DIRECTORY_SEARCH_COUNT_CAP", 500)

# Background tasks (Django's tasks API, backport `django-tasks` with its database backend).
# `manage.py worker` runs them and enqueues the periodic ones (core.scheduler); see docs/deploy.md.
TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Mail (follow-up reminders). Development prints mails to the console unless EMAIL_HOST is set.
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Knotenpunkt <knotenpunkt@localhost>")
# The coordination office's address: barrier reports go there (empty: to every coordinator with an address).
KNOTENPUNKT_OFFICE_EMAIL = env_str("KNOTENPUNKT_OFFICE_EMAIL", "")
# Absolute links in mails, .ics files and feed addresses. Without SITE_URL: the local address on the
# port `make run PORT=…` serves (it passes KNOTENPUNKT_PORT to the server and the worker).
SITE_URL = (env_str("SITE_URL") or f"http://127.0.0.1:{env_int('KNOTENPUNKT_PORT', 8000)}").rstrip("/")

# Calendar import (iCal in): limits for one feed, and whether feeds may live on private networks.
ICAL_IMPORT_MAX_BYTES = env_int("ICAL_IMPORT_MAX_BYTES", 5 * 1024 * 1024)
ICAL_IMPORT_TIMEOUT = env_int("ICAL_IMPORT_TIMEOUT", 20)
ICAL_IMPORT_ALLOW_PRIVATE_HOSTS = env_bool("ICAL_IMPORT_ALLOW_PRIVATE_HOSTS", DEBUG)
# The window a feed's dates are read in, around today: endless and long series are not refused, they
# are read this far back and ahead, and every refresh moves the window along.
ICAL_IMPORT_PAST_DAYS = env_int("ICAL_IMPORT_PAST_DAYS", 365)
ICAL_IMPORT_FUTURE_DAYS = env_int("ICAL_IMPORT_FUTURE_DAYS", 730)
# OParl: the city's council information system (its System object's address), for the search of council
# papers; a paper's own address can be pasted without it. Requests as guarded as the calendar import's.
OPARL_SYSTEM_URL = env_str("OPARL_SYSTEM_URL", "")
OPARL_MAX_BYTES = env_int("OPARL_MAX_BYTES", 2 * 1024 * 1024)
OPARL_TIMEOUT = env_int("OPARL_TIMEOUT", 10)
OPARL_ALLOW_PRIVATE_HOSTS = env_bool("OPARL_ALLOW_PRIVATE_HOSTS", DEBUG)
# A recurring series may have at most this many occurrences (more is refused or, on import, cut).
ACTIVITY_MAX_OCCURRENCES = env_int("ACTIVITY_MAX_OCCURRENCES", 1000)
# Derived relationships: an activity with more actors taking part than this makes no pairs
# (at a 500-person conference not everybody met everybody). See network/derived.py.
DERIVED_TIES_MAX_PARTICIPANTS = env_int("DERIVED_TIES_MAX_PARTICIPANTS", 40)

# Data protection (knotenpunkt.privacy). The erasure log lists erased persons' ids (never their
# data) outside the database, so that restoring an older backup erases them again; keep it
# beside the backups, not inside them. The controller's details appear in the record of
# processing activities (Art. 30).
KNOTENPUNKT_ERASURE_LOG = Path(env_str("KNOTENPUNKT_ERASURE_LOG", str(VAR_DIR / "erasure-log.jsonl")))
KNOTENPUNKT_PRIVACY = {
    key: value
    for key, value in {
        "controller": env_str("KNOTENPUNKT_PRIVACY_CONTROLLER", ""),
        "address": env_str("KNOTENPUNKT_PRIVACY_ADDRESS", ""),
        "dpo": env_str("KNOTENPUNKT_PRIVACY_DPO", ""),
        "hosting": env_str("KNOTENPUNKT_PRIVACY_HOSTING", ""),
    }.items()
    if value
}
