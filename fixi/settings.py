"""Fixi settings: one file, read from the environment (and `.env` when present).

Every variable is optional in development. Bad values stop the process with a message
that names the variable, instead of quietly becoming a default. The full list, with one
line each, is in `.env.example` and in the README's configuration table.
"""

import datetime as dt
import os
import secrets
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    """A boolean that refuses anything but the usual spellings."""
    raw = env.str(name, default=None)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, on/off)")


def env_int(name: str, default: int, minimum: int = 0) -> int:
    raw = env.str(name, default=None)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={value} must be at least {minimum}")
    return value


def env_float(name: str, default: float, minimum: float = 0.0) -> float:
    raw = env.str(name, default=None)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number") from None
    if not value >= minimum:  # also refuses nan
        raise ImproperlyConfigured(f"{name}={value} must be at least {minimum}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = env.str(name, default=None)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_url(name: str, default: str, schemes: tuple[str, ...] = ("http", "https")) -> str:
    value = env.str(name, default=default).strip()
    if value and urlsplit(value).scheme not in schemes:
        raise ImproperlyConfigured(f"{name}={value!r} must be a URL starting with {schemes}")
    return value.rstrip("/")


def env_alias(name: str, alias: str) -> str:
    """NAME's value, else ALIAS's: the name an earlier deployment of the business used for
    the same thing. Both set to different values stops the start, naming both, instead of
    one of them being ignored without a word. Empty counts as unset."""
    value, aliased = env.str(name, default=""), env.str(alias, default="")
    if value and aliased and value != aliased:
        raise ImproperlyConfigured(
            f"{name} and {alias} are both set, to different values. {alias} is read as "
            f"another name for {name}: remove one of them, or give both the same value."
        )
    return value or aliased


# --- Core ----------------------------------------------------------------------------

DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    key = env.str("SECRET_KEY", default="")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment, or set DEBUG=1 for a "
            "development run with a throwaway key kept in var/."
        )
    # Development only: one random key per checkout, kept so sessions survive restarts.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(64))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "unfold",
    "unfold.contrib.filters",
    "unfold.contrib.forms",
    # The contrib apps are listed below, after the database is known: on MongoDB they
    # take app configs with ObjectId keys.
]

ROOT_URLCONF = "fixi.urls"
WSGI_APPLICATION = "fixi.wsgi.application"
ASGI_APPLICATION = "fixi.asgi.application"

MIDDLEWARE = [
    # Probes and the Green API webhook answer before the browser-facing middleware:
    # load balancers call by IP, and webhooks need no session, language or CSRF.
    "fixi.fastpath.FastPathMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------------------

MONGODB_SCHEMES = ("mongodb://", "mongodb+srv://")
# MONGO_URI is the original deployment's name for the MongoDB connection string.
if (mongo_uri := env.str("MONGO_URI", default="")) and not mongo_uri.startswith(MONGODB_SCHEMES):
    raise ImproperlyConfigured(
        f"MONGO_URI scheme {urlsplit(mongo_uri).scheme!r} is not MongoDB's: use mongodb:// "
        "or mongodb+srv://, or set DATABASE_URL instead"
    )
DATABASE_URL = env_alias("DATABASE_URL", "MONGO_URI") or f"sqlite:///{VAR_DIR / 'fixi.sqlite3'}"
USING_MONGODB = DATABASE_URL.startswith(MONGODB_SCHEMES)


def _mongodb_database(url: str) -> dict:
    name = urlsplit(url).path.lstrip("/") or "fixi"
    return {"ENGINE": "django_mongodb_backend", "HOST": url, "NAME": name}


if USING_MONGODB:
    DATABASES = {"default": _mongodb_database(DATABASE_URL)}
    DEFAULT_AUTO_FIELD = "django_mongodb_backend.fields.ObjectIdAutoField"
    INSTALLED_APPS += [
        "fixi.mongo_apps.MongoAdminConfig",
        "fixi.mongo_apps.MongoAuthConfig",
        "fixi.mongo_apps.MongoContentTypesConfig",
        "django.contrib.sessions",
        "django.contrib.messages",
        "django.contrib.staticfiles",
        "fixi.mongo_apps.MongoBeatConfig",
        "fixi.mongo_apps.MongoAxesConfig",
        "django_mongodb_backend",
    ]
    MIGRATION_MODULES = {
        "admin": "mongo_migrations.admin",
        "auth": "mongo_migrations.auth",
        "contenttypes": "mongo_migrations.contenttypes",
        "django_celery_beat": "mongo_migrations.django_celery_beat",
        "axes": "mongo_migrations.axes",
    }
else:
    if not DATABASE_URL.startswith("sqlite:"):
        scheme = urlsplit(DATABASE_URL).scheme
        raise ImproperlyConfigured(
            f"DATABASE_URL scheme {scheme!r} is not supported: use mongodb://, "
            "mongodb+srv:// or sqlite:///path"
        )
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {"default": env.db_url_config(DATABASE_URL)}
    # Reusing the connection saves reconnecting and re-running the PRAGMAs (and rebuilding
    # the WAL file) on every request: it doubles webhook throughput.
    DATABASES["default"].setdefault("CONN_MAX_AGE", env_int("CONN_MAX_AGE", 600))
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        # WAL lets the web process, the worker and beat share the file without
        # "database is locked" errors on every concurrent write.
        {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", "timeout": 20}
    )
    DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
    INSTALLED_APPS += [
        "django.contrib.admin",
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.sessions",
        "django.contrib.messages",
        "django.contrib.staticfiles",
        "django_celery_beat",
        "axes",
    ]

INSTALLED_APPS += [
    "fixi",
    "messaging",
    "ai",
    "pros",
    "scheduling",
    "leads",
]

# --- Passwords, sessions, security -----------------------------------------------------

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login lockout (django-axes): four failed logins lock the account for the cool-off.
# Attempts are rows in the database, so every gunicorn process and container counts the
# same failures. The count holds without transactions (MongoDB ignores axes' atomic block):
# a row is unique per username, address and browser and is incremented with F().
AUTHENTICATION_BACKENDS = [
    # First, so a locked account is refused before its password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = 4
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, 1))
# Counted per username, not per username and address: behind the TLS proxy every login
# comes from the proxy's address, and trusting X-Forwarded-For would let a guesser send a
# new address with every try. Per username, an account gets four guesses per cool-off
# however many machines guess. The price is that someone who knows a manager's username
# can lock that manager out for a cool-off; `python manage.py axes_reset_username NAME`
# lifts it at once.
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 warns about lockouts keyed on what a client can change at will (user agent,
# cookies); the username is not one of those. One password tried on many usernames is not
# limited by this; the password validators above refuse the common passwords it would try.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
# Tries while locked do not restart the cool-off, so the lock lifts when the page says.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A manager who mistyped and then got in starts again from zero.
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429  # Too Many Requests
AXES_LOCKOUT_CALLABLE = "fixi.lockout.lockout_response"
# fixi/admin.py registers the attempts and logins with the admin theme instead.
AXES_ENABLE_ADMIN = False

# Off DEBUG the site is HTTPS-only: HTTP is redirected, cookies are Secure and HSTS is on.
# SECURE_SSL_REDIRECT=0 says the site is plain HTTP: only for a local run, or behind a proxy
# that terminates TLS and redirects HTTP itself. Cookies and HSTS follow it unless set one
# by one.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers and the compose health checks probe over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# X-Forwarded-Proto is trusted only when the operator says a TLS proxy sets it: with
# SECURE_PROXY_SSL_HEADER=1 (compose), or, as before HTTPS became the default, with an
# explicit SECURE_SSL_REDIRECT=1. Trusted without a proxy, any client could claim HTTPS.
if env_bool("SECURE_PROXY_SSL_HEADER", env_bool("SECURE_SSL_REDIRECT", False)):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if SECURE_SSL_REDIRECT else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# Preloading is hard to undo (browsers' lists keep the domain and every subdomain HTTPS-only
# for months), so it is the operator's explicit choice. check --deploy asks for it
# (security.W021) until the operator decides: SECURE_HSTS_PRELOAD=0 (compose) is a decision.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if env.str("SECURE_HSTS_PRELOAD", default="") and not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS.append("security.W021")
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", SECURE_SSL_REDIRECT)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", SECURE_SSL_REDIRECT)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Request size limits: a Green API webhook is a few KB; media arrive as download links.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2 * 1024 * 1024, 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = env_int("FILE_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024, 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
WEBHOOK_MAX_BODY_BYTES = env_int("WEBHOOK_MAX_BODY_BYTES", 256 * 1024, 1024)

# --- Language and time -----------------------------------------------------------------

LANGUAGE_CODE = "he"
LANGUAGES = [("he", _("Hebrew")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Jerusalem")

STATIC_URL = "static/"
# Where collectstatic puts the admin's CSS and scripts (the image does it at build time).
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every start without it
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

LOGIN_URL = "admin:login"

# --- Celery ------------------------------------------------------------------------------

BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
USING_EMBEDDED_BROKER = CELERY_BROKER_URL.startswith("filesystem://")
if USING_EMBEDDED_BROKER:
    # kombu's filesystem transport: one folder shared by producers and consumers.
    for folder in ("queue", "control"):
        (BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
    # The filesystem transport has no fan-out exchange for remote control.
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
else:
    # The visibility timeout stays above the task time limit: a message redelivered by it
    # belongs to a task that can no longer be running. The socket timeouts bound how long a
    # webhook waits on a Redis that accepts connections but does not answer.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
    }
# A webhook whose publish fails is still answered (the row waits for the recovery sweep),
# so the publish retries briefly instead of holding the request.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300, 1)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240, 1)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- Fixi business defaults (the admin's settings page starts from these) ----------------

SOS_TIMEOUT_MINUTES = env_int("SOS_TIMEOUT_MINUTES", 30, 1)
MAX_PRO_LOAD = env_int("MAX_PRO_LOAD", 5, 1)
QUIET_WINDOW_SECONDS = env_float("QUIET_WINDOW_SECONDS", 3.0)
URGENT_TIMEOUT_MINUTES = env_int("URGENT_TIMEOUT_MINUTES", 10, 1)
ADMIN_WHATSAPP = env.str("ADMIN_WHATSAPP", default="")

# --- External services --------------------------------------------------------------------

GREEN_API_URL = env_url("GREEN_API_URL", "https://api.green-api.com")
GREEN_API_MEDIA_URL = env_url("GREEN_API_MEDIA_URL", "https://media.green-api.com")
GREEN_API_ID = env.str("GREEN_API_ID", default="")
GREEN_API_TOKEN = env.str("GREEN_API_TOKEN", default="")
GREEN_API_WEBHOOK_TOKEN = env.str("GREEN_API_WEBHOOK_TOKEN", default="")
if not DEBUG and GREEN_API_ID and GREEN_API_TOKEN and not GREEN_API_WEBHOOK_TOKEN:
    # Without it anyone who finds /webhook can post as a pro (approve or finish jobs, read
    # customers' phones in the replies) and make the business number message anyone.
    raise ImproperlyConfigured(
        "GREEN_API_WEBHOOK_TOKEN is not set while Green API is configured and DEBUG is off: "
        "set it to a long random value, and set the same value as the webhook "
        "authorization token in the Green API console (webhookUrlToken)."
    )

# The token Green API sent before a rotation, accepted beside the new one until Green API
# sends the new one (its settings change within 5 minutes); every use is logged.
GREEN_API_WEBHOOK_TOKEN_PREVIOUS = env.str("GREEN_API_WEBHOOK_TOKEN_PREVIOUS", default="")
if GREEN_API_WEBHOOK_TOKEN_PREVIOUS and not GREEN_API_WEBHOOK_TOKEN:
    raise ImproperlyConfigured(
        "GREEN_API_WEBHOOK_TOKEN_PREVIOUS is set but GREEN_API_WEBHOOK_TOKEN is not: the "
        "previous token only ever stands beside the current one."
    )

# Lets the simulator send while Green API is configured (its messages then reach real chats).
SIMULATOR_ENABLED = env_bool("SIMULATOR_ENABLED", False)

GEMINI_API_KEY = env.str("GEMINI_API_KEY", default="")
GEMINI_BASE_URL = env_url("GEMINI_BASE_URL", "")
AI_MODELS = env_list(
    "AI_MODELS", ["gemini-3.5-flash-lite", "gemini-3.5-flash", "gemini-2.5-flash-lite"]
)

CLOUDINARY_PARTS = ("CLOUDINARY_CLOUD_NAME", "CLOUDINARY_API_KEY", "CLOUDINARY_API_SECRET")


def _cloudinary_url() -> str:
    """CLOUDINARY_URL, or the same account given as the three variables the original
    deployment used. Errors name variables, never a key or secret."""
    url = env.str("CLOUDINARY_URL", default="")
    given = {name: env.str(name, default="") for name in CLOUDINARY_PARTS}
    if not any(given.values()):
        return url
    if missing := [name for name, value in given.items() if not value]:
        raise ImproperlyConfigured(
            f"{', '.join(missing)} not set: with the CLOUDINARY_CLOUD_NAME/_API_KEY/_API_SECRET "
            "variables, set all three (or set CLOUDINARY_URL alone)"
        )
    cloud, key, secret = given.values()
    if url:
        parts = urlsplit(url)
        named = (parts.hostname, unquote(parts.username or ""), unquote(parts.password or ""))
        if named != (cloud.lower(), key, secret):
            raise ImproperlyConfigured(
                "CLOUDINARY_URL and CLOUDINARY_CLOUD_NAME/_API_KEY/_API_SECRET are both set "
                "and name different accounts: remove one or the other."
            )
        return url  # it may also carry an upload_prefix
    return f"cloudinary://{quote(key, safe='')}:{quote(secret, safe='')}@{quote(cloud, safe='')}"


CLOUDINARY_URL = _cloudinary_url()
if CLOUDINARY_URL and not CLOUDINARY_URL.startswith("cloudinary://"):
    raise ImproperlyConfigured("CLOUDINARY_URL must look like cloudinary://KEY:SECRET@CLOUD")

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")

# `manage.py ensure_admin` reads the admin's password from DJANGO_SUPERUSER_PASSWORD or its
# alias ADMIN_PASSWORD (the original deployment's name). Checked here as well, so two
# different passwords stop every process at start, not only that command.
env_alias("DJANGO_SUPERUSER_PASSWORD", "ADMIN_PASSWORD")

# --- Logging --------------------------------------------------------------------------------

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(f"LOG_LEVEL={LOG_LEVEL!r}: use DEBUG, INFO, WARNING or ERROR")

LOG_FORMAT = env.str("LOG_FORMAT", default="json").lower()
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r}: use json or plain")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "fixi.logs.RedactFilter"}},
    "formatters": {
        "json": {"()": "fixi.logs.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["redact"],  # phone numbers and chat ids never reach the output
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Database loggers print queries with their values: customers' names and words.
        "django.db.backends": {"level": "WARNING"},
        "pymongo": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        "httpx2": {"level": "WARNING"},
        # Its DEBUG lines carry request paths, and Green API's hold the instance token.
        "urllib3": {"level": "WARNING"},
    },
}

# --- Admin theme ----------------------------------------------------------------------------

from fixi.unfold import UNFOLD  # noqa: E402, F401  (kept beside the admin it configures)
