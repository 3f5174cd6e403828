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
# Keys that encrypted credentials before CREDENTIALS_KEY (comma-separated): they still
# decrypt, never encrypt; `manage.py rotate_credentials` re-encrypts everything with the new key.
CREDENTIALS_OLD_KEYS = env.list("CREDENTIALS_OLD_KEYS", default=[])

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
    "audit.apps.AuditConfig",
    "notifications.apps.NotificationsConfig",
    "routing.apps.RoutingConfig",
    "reports.apps.ReportsConfig",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Webhook answers by status for /metrics (outside the next one: its 503s count too).
    "helpdesk.metrics.WebhookMetricsMiddleware",
    # The database away: 503 with a clear body (HTML or JSON), never a stack trace.
    "helpdesk.unavailable.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The person's own UI language from their profile (after the cookie, before the browser's).
    "accounts.middleware.AgentLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "audit.context.AuditContextMiddleware",
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

# --- Attachments: stored through Django's storage API --------------------------------
# A local folder by default (never served as static: /attachments/<id>/ checks access and
# sets safe headers); S3-compatible storage through django-storages when a bucket is named.
MEDIA_ROOT = Path(env.str("HOVOR_MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/attachments/"
_s3_bucket = env.str("HOVOR_S3_BUCKET", default="")
STORAGES = {
    "default": (
        {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": _s3_bucket,
                "endpoint_url": env.str("HOVOR_S3_ENDPOINT_URL", default="") or None,
                "region_name": env.str("HOVOR_S3_REGION", default="") or None,
                "access_key": env.str("HOVOR_S3_ACCESS_KEY", default="") or None,
                "secret_key": env.str("HOVOR_S3_SECRET_KEY", default="") or None,
                "default_acl": None,
                "querystring_auth": True,
                "file_overwrite": False,
            },
        }
        if _s3_bucket
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Files larger than this are not downloaded (state too_large) nor accepted from agents.
HOVOR_ATTACHMENT_MAX_BYTES = env.int("HOVOR_ATTACHMENT_MAX_BYTES", default=25 * 1024 * 1024)
# Thumbnails: the longest side, and the most pixels an image may decode to (a bomb is refused).
HOVOR_THUMBNAIL_SIZE = 320
HOVOR_IMAGE_MAX_PIXELS = env.int("HOVOR_IMAGE_MAX_PIXELS", default=40_000_000)

# --- Celery -------------------------------------------------------------------------
_broker_default = REDIS_URL or "filesystem://"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=_broker_default)
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# With JSON logs the worker keeps Django's handlers instead of installing its own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = env.str("LOG_FORMAT", default="plain") != "json"
# Seconds a webhook burst is gathered into one ingest task (inbox.triggers).
HOVOR_INGEST_DEBOUNCE = 0.05
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The embedded broker. Its worker has no event loop, which cost the demo 10-25 s between
    # a chat message and its ticket; each setting below removes one part of that wait.
    _broker_dir = VAR_DIR / "broker"
    for sub in ("queue", "processed", "control"):
        (_broker_dir / sub).mkdir(parents=True, exist_ok=True)
    # kombu's filesystem transport, with messages written atomically (helpdesk/broker.py).
    CELERY_BROKER_TRANSPORT = "helpdesk.broker:FilesystemTransport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
        # How long the worker sleeps when the folder has nothing for it (kombu: 1 s): a
        # listing every 50 ms is cheap, and a new task starts that much sooner.
        "polling_interval": 0.05,
    }
    # The worker acknowledges finished tasks only between two 2-second waits for the next
    # message, and takes none while `prefetch` are unacknowledged: with one per slot it ran
    # about a task a second and ingest queued behind the crowd's polls. A deeper prefetch
    # lets it take the next task as soon as a slot is free (one worker: nothing to balance).
    CELERY_WORKER_PREFETCH_MULTIPLIER = 16
    # Countdowns run on a timer thread that wakes about once a second: queue ingest at once
    # (the pending marker still gathers a burst into one task).
    HOVOR_INGEST_DEBOUNCE = 0.0
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
    "routing.*": {"queue": "routing"},
    "inbox.deliver_outbound": {"queue": "outbound"},
    "inbox.send_read_receipt": {"queue": "outbound"},
    "channels.acknowledge_press": {"queue": "outbound"},
    "inbox.fetch_profile": {"queue": "inbound"},
    "inbox.fetch_attachment": {"queue": "inbound"},
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
    # SLA warnings and escalations (an indexed query; idempotent, so a late tick is harmless).
    "sla-check": {"task": "inbox.sla_check", "schedule": 30.0, "options": {"expires": 30.0}},
    # A tick a busy worker reaches after the next one was queued is dropped, not run twice.
    "poll-accounts": {
        "task": "channels.poll_due_accounts",
        "schedule": HOVOR_POLL_INTERVAL,
        "options": {"expires": HOVOR_POLL_INTERVAL},
    },
    # Cheap (indexed counts): a crashed worker's events and replies are recovered in seconds.
    "sweep-stuck": {"task": "inbox.sweep_stuck", "schedule": env.float("HOVOR_SWEEP_INTERVAL", default=5.0)},
    # Brands' retention (Settings → Privacy): hourly, idempotent, batched.
    "apply-retention": {"task": "inbox.apply_retention", "schedule": 3600.0},
    "wake-snoozed": {"task": "inbox.wake_snoozed", "schedule": 10.0},
    # WhatsApp's approved message templates, cached per account (idempotent).
    "sync-templates": {"task": "channels.sync_templates_all", "schedule": 900.0, "options": {"expires": 900.0}},
    # Who went offline or off shift gives back untouched conversations; the queue is routed.
    "routing-sweep": {"task": "routing.sweep_availability", "schedule": 30.0, "options": {"expires": 30.0}},
    # The crisis alarm (reports/crisis.py): indexed counts per brand, idempotent per window.
    "crisis-watch": {"task": "reports.crisis_watch", "schedule": env.float("HOVOR_CRISIS_INTERVAL", default=300.0)},
}
# A crisis: at least this many negative messages in a quarter hour, and more than this
# factor times the usual level for that quarter hour of the week.
HOVOR_CRISIS_MIN = env.int("HOVOR_CRISIS_MIN", default=5)
HOVOR_CRISIS_FACTOR = env.float("HOVOR_CRISIS_FACTOR", default=3.0)

# --- Hovor ---------------------------------------------------------------------------
X_API_BASE = env.str("X_API_BASE", default="https://api.twitter.com")
# Seconds an outbound HTTP call may take before its outcome is "unknown".
HOVOR_HTTP_TIMEOUT = env.float("HOVOR_HTTP_TIMEOUT", default=10.0)
# First-response targets per channel kind (CARE.md: social 1 h, email 24 h).
# SLA: the assignee and their leads are warned this long before a reply target is missed.
SLA_WARN_BEFORE_MINUTES = env.int("SLA_WARN_BEFORE_MINUTES", default=15)
FIRST_RESPONSE_TARGETS = {
    "social": timedelta(hours=env.float("SLA_SOCIAL_HOURS", default=1.0)),
    "email": timedelta(hours=env.float("SLA_EMAIL_HOURS", default=24.0)),
}
# A row left "in flight" longer than this is picked up again by the sweep.
HOVOR_STUCK_AFTER = timedelta(seconds=env.int("HOVOR_STUCK_AFTER_SECONDS", default=120))
# Leases that let a crashed worker's work be taken over within seconds, never twice at once:
# an ingesting worker's claim on a chunk of stored events, and a sending worker's on a reply
# (renewed by its heartbeat while the platform is slow). Stored events no worker holds after
# the grace are queued again by the sweep.
HOVOR_INGEST_LEASE = timedelta(seconds=env.float("HOVOR_INGEST_LEASE_SECONDS", default=15.0))
HOVOR_SENDING_LEASE = timedelta(seconds=env.float("HOVOR_SENDING_LEASE_SECONDS", default=15.0))
# A poller's hold on an account, renewed with every page it stores.
HOVOR_POLL_LEASE = timedelta(seconds=env.float("HOVOR_POLL_LEASE_SECONDS", default=30.0))
HOVOR_INGEST_GRACE = timedelta(seconds=env.float("HOVOR_INGEST_GRACE_SECONDS", default=5.0))
# GET /metrics: with a token, scrapers send "Authorization: Bearer <token>"; without one,
# only loopback clients are answered (helpdesk/metrics.py).
HOVOR_METRICS_TOKEN = env.str("HOVOR_METRICS_TOKEN", default="")
# Where customers reach Hovor's public pages (the emailed satisfaction link, review redirects).
HOVOR_PUBLIC_URL = env.str("HOVOR_PUBLIC_URL", default="http://127.0.0.1:8000").rstrip("/")
# Signed links to an agent's file for platforms that fetch files by URL (Instagram): the base
# they are built on (the platform must reach it) and how long a link works.
HOVOR_FILES_PUBLIC_URL = env.str("HOVOR_FILES_PUBLIC_URL", default=HOVOR_PUBLIC_URL).rstrip("/")
HOVOR_FILES_URL_MAX_AGE = env.int("HOVOR_FILES_URL_MAX_AGE", default=7 * 24 * 3600)  # Viber may fetch late
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
    # Request bodies get their own components without the read-only fields (id, created_at):
    # the schema says what a client sends, not what it may send and have ignored.
    "COMPONENT_SPLIT_REQUEST": True,
    # Two choice sets share the field name "status": named here, the schema (and
    # `check --deploy`) has no collision to warn about.
    "ENUM_NAME_OVERRIDES": {
        "TicketStatusEnum": "inbox.enums.TicketStatus",
        "AccountStatusEnum": "channels.models.AccountStatus",
    },
}

# LOG_FORMAT=json: one JSON object per line (python-json-logger), for log shippers.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json" if LOG_FORMAT == "json" else "plain"}
    },
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

# --- Headers, cookies and the production switch (issue 13) ---------------------------
# HOVOR_ENV=production (HTTPS in front) turns on HSTS, the HTTPS redirect and Secure cookies:
# `manage.py check --deploy` is then clean. The embedded mode serves plain HTTP on localhost.
HOVOR_ENV = env.str("HOVOR_ENV", default="development")
PRODUCTION = HOVOR_ENV == "production"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # htmx and the scripts take the token from the page, not the cookie
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("HOVOR_SECURE_COOKIES", default=PRODUCTION)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
if env.bool("HOVOR_BEHIND_PROXY", default=False):  # a TLS proxy that sets X-Forwarded-Proto
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The container's health check asks over plain HTTP from inside.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
X_FRAME_OPTIONS = "DENY"
# A strict policy: no inline script or style anywhere (files under static/ only), no frames
# of Hovor on other sites; the chat widget's endpoints relax frame-ancestors themselves.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# --- Signing in (accounts/): throttling, two-factor, single sign-on, personal API tokens ----
INSTALLED_APPS += [
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts.apps.AccountsConfig",
]
# After AuthenticationMiddleware: django-otp marks request.user verified; the policy sends a
# person who must enrol to enrolment; axes (last, as it asks) answers a locked-out login.
MIDDLEWARE += [
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.TwoFactorPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
]
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
# Personal tokens (`Token hvr_…`, scoped, expiring) before DRF's own: createapitoken's keys keep working.
REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"].insert(0, "accounts.api_auth.ScopedTokenAuthentication")  # type: ignore[attr-defined]

# Login throttling (django-axes): a username OR an address with this many failures is locked
# for HOVOR_LOGIN_LOCK_MINUTES; from the HOVOR_LOGIN_SLOWDOWN_AFTER-th failure each failed
# attempt answers HOVOR_LOGIN_SLOWDOWN_SECONDS later per failure (capped at 3 s). Unknown
# usernames are counted, delayed and locked exactly like real ones (no enumeration).
AXES_ENABLED = env.bool("HOVOR_LOGIN_THROTTLE", default=True)
AXES_FAILURE_LIMIT = env.int("HOVOR_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("HOVOR_LOGIN_LOCK_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.throttle.lockout_response"
# Behind N reverse proxies, the client address is the N-th from the right of X-Forwarded-For.
AXES_IPWARE_PROXY_COUNT = env.int("HOVOR_PROXY_COUNT", default=0) or None
AXES_VERBOSE = False
HOVOR_LOGIN_SLOWDOWN_AFTER = env.int("HOVOR_LOGIN_SLOWDOWN_AFTER", default=3)
HOVOR_LOGIN_SLOWDOWN_SECONDS = env.float("HOVOR_LOGIN_SLOWDOWN_SECONDS", default=1.0)

# Two-factor: TOTP (django-otp) and security keys (WebAuthn). The relying party id is the
# host people open Hovor on (default: the request's host, which ALLOWED_HOSTS already vets).
OTP_TOTP_ISSUER = env.str("HOVOR_TOTP_ISSUER", default="Hovor")
WEBAUTHN_RP_ID = env.str("WEBAUTHN_RP_ID", default="")
WEBAUTHN_RP_NAME = env.str("WEBAUTHN_RP_NAME", default="Hovor")

# Single sign-on with OpenID Connect (Authlib): on when OIDC_ISSUER and OIDC_CLIENT_ID are set.
# OIDC_ROLE_MAP "idp-group=role,…" (admin/lead/agent/newcomer; the highest wins);
# OIDC_TEAM_MAP "idp-group=Team name,…" (membership of the named teams follows the groups);
# OIDC_DEFAULT_ROLE for someone in no mapped role group (empty: they may not sign in).
OIDC_ISSUER = env.str("OIDC_ISSUER", default="").rstrip("/")
OIDC_CLIENT_ID = env.str("OIDC_CLIENT_ID", default="")
OIDC_CLIENT_SECRET = env.str("OIDC_CLIENT_SECRET", default="")
OIDC_SCOPES = env.str("OIDC_SCOPES", default="openid profile email")
OIDC_GROUPS_CLAIM = env.str("OIDC_GROUPS_CLAIM", default="groups")
OIDC_ROLE_MAP = env.dict("OIDC_ROLE_MAP", default={})
OIDC_TEAM_MAP = env.dict("OIDC_TEAM_MAP", default={})
OIDC_DEFAULT_ROLE = env.str("OIDC_DEFAULT_ROLE", default="")
OIDC_BUTTON_LABEL = env.str("OIDC_BUTTON_LABEL", default="")
LOGGING["loggers"]["axes"] = {"level": "WARNING"}  # type: ignore[index]  # a lockout is a warning; each failure is not

# A simulated clock (bench/care_day.py only; helpdesk/simclock.py): unset in production.
if env.str("HOVOR_SIM_CLOCK", default=""):
    from helpdesk.simclock import install_django

    install_django(env.str("HOVOR_SIM_CLOCK"))
