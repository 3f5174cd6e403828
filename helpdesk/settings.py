"""Hovor settings: one module, every value from the environment, safe defaults for the
embedded mode (SQLite + filesystem broker, no server needed)."""
from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from pathlib import Path

import environ
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("HOVOR_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="hovor-insecure-dev-key-change-me-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The Fernet key that encrypts BrandAccount credentials at rest. Production sets it
# explicitly; the default derives one from SECRET_KEY so the embedded mode just works.
CREDENTIALS_KEY = env.str(
    "CREDENTIALS_KEY",
    default=base64.urlsafe_b64encode(hashlib.sha256(SECRET_KEY.encode()).digest()).decode(),
)

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
    "channels.apps.ChannelsConfig",
    "inbox.apps.InboxConfig",
    "channels.chat.apps.ChatConfig",
    "shifts.apps.ShiftsConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "helpdesk.urls"
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
                "channels.context_processors.account_alerts",
            ],
        },
    },
]
WSGI_APPLICATION = "helpdesk.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'hovor.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share the file: wait for locks instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    # A transaction takes the write lock when it begins: one that read first and then tried to
    # write would otherwise fail with "database is locked" at once, whatever the timeout.
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "inbox:inbox"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("cs", "Čeština"), ("pl", "Polski"), ("bg", "Български")]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
# The agent UI's translations (cs, pl, bg); `python manage.py compilemessages` after editing.
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# --- Celery -------------------------------------------------------------------------
_broker_default = REDIS_URL or "filesystem://"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=_broker_default)
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for sub in ("queue", "processed", "control"):
        (_broker_dir / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = "default"
# Every queue is declared, so a plain `celery -A helpdesk worker` consumes them all; larger
# installations split them with -Q (docker-compose runs an inbound and an outbound worker).
CELERY_TASK_QUEUES = [Queue(name) for name in ("default", "inbound", "routing", "outbound")]
CELERY_TASK_ROUTES = {
    "channels.poll_*": {"queue": "inbound"},
    "channels.backfill_*": {"queue": "inbound"},
    "inbox.ingest_*": {"queue": "inbound"},
    "inbox.route_ticket*": {"queue": "routing"},
    "inbox.deliver_outbound": {"queue": "outbound"},
}
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 100
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Languages incoming messages may be tagged with when the platform does not say (ISO 639-1):
# the teams' own and their neighbours, so near relatives are told apart (inbox/language.py).
HOVOR_DETECT_LANGUAGES = env.list(
    "HOVOR_DETECT_LANGUAGES",
    default=["cs", "sk", "pl", "bg", "ru", "uk", "sr", "mk", "hr", "sl", "hu", "ro", "de", "en", "fr", "es", "it"],
)
HOVOR_POLL_INTERVAL = env.float("HOVOR_POLL_INTERVAL", default=15.0)
# Outside a brand's staffed hours (shifts.BusinessHours) its accounts are polled this rarely.
HOVOR_POLL_INTERVAL_OFF_HOURS = env.float("HOVOR_POLL_INTERVAL_OFF_HOURS", default=300.0)
CELERY_BEAT_SCHEDULE = {
    "poll-accounts": {"task": "channels.poll_due_accounts", "schedule": HOVOR_POLL_INTERVAL},
    "sweep-stuck": {"task": "inbox.sweep_stuck", "schedule": 30.0},
    "wake-snoozed": {"task": "inbox.wake_snoozed", "schedule": 10.0},
}

# --- Hovor ---------------------------------------------------------------------------
X_API_BASE = env.str("X_API_BASE", default="https://api.twitter.com")
# Seconds an outbound HTTP call may take before its outcome is "unknown".
HOVOR_HTTP_TIMEOUT = env.float("HOVOR_HTTP_TIMEOUT", default=10.0)
# First-response targets per channel kind (CARE.md: social 1 h, email 24 h).
FIRST_RESPONSE_TARGETS = {
    "social": timedelta(hours=env.float("SLA_SOCIAL_HOURS", default=1.0)),
    "email": timedelta(hours=env.float("SLA_EMAIL_HOURS", default=24.0)),
}
# A row left "in flight" longer than this is picked up again by the sweep.
HOVOR_STUCK_AFTER = timedelta(seconds=env.int("HOVOR_STUCK_AFTER_SECONDS", default=120))
# Larger webhook bodies are refused with 413 before they are read (Meta batches stay far below).
HOVOR_WEBHOOK_MAX_BYTES = env.int("HOVOR_WEBHOOK_MAX_BYTES", default=2 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = HOVOR_WEBHOOK_MAX_BYTES
# The largest outbound delay honoured from a rate-limit reset before the row waits for the sweep.
HOVOR_MAX_RETRY_DELAY = env.int("HOVOR_MAX_RETRY_DELAY", default=900)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "inbox.api.pagination.ResultsPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Hovor API",
    "DESCRIPTION": "Social customer care helpdesk",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # These log tokens at DEBUG (OAuth secrets, signed headers, Telegram's /bot<token>/ URLs): never below INFO.
    "loggers": {
        name: {"level": "INFO"}
        for name in ("django.db.backends", "requests_oauthlib", "oauthlib", "tweepy", "urllib3")
    },
}

# Static files: WhiteNoise serves them from the app itself (self-hosted, no CDN); finders
# let it work without collectstatic in the embedded mode too.
WHITENOISE_USE_FINDERS = True
