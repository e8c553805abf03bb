"""Xindai CRM settings: one module, every value read from the environment (see README)."""

import os
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from crm_site.document_storage import documents_storage_setting
from crm_site.env import (
    DEVELOPMENT_SECRET_KEY,
    development_field_keys,
    env_bool,
    env_int,
    env_list,
    env_str,
    parse_database_url,
    redis_cache_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent

# Development is the default, as in most Django projects; the production image sets DEBUG=0.
DEBUG = env_bool("DEBUG", True)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG=0")
    SECRET_KEY = DEVELOPMENT_SECRET_KEY

# Resident IDs and phones are encrypted at rest (core/field_crypto.py). The first key
# encrypts, all decrypt: rotate by putting a new key first and running rotate_field_keys.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS", [])
# The key of the hashes that find and deduplicate those identifiers.
FIELD_HASH_KEY = env_str("FIELD_HASH_KEY")
if not (FIELD_ENCRYPTION_KEYS and FIELD_HASH_KEY):
    if not DEBUG:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS and FIELD_HASH_KEY must be set when DEBUG=0"
        )
    # Development keys derived from the development secret: data made with them is demo data.
    _development_encryption_keys, _development_hash_key = development_field_keys(SECRET_KEY)
    FIELD_ENCRYPTION_KEYS = FIELD_ENCRYPTION_KEYS or _development_encryption_keys
    FIELD_HASH_KEY = FIELD_HASH_KEY or _development_hash_key

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "testserver"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG=0")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# --- Services: PostgreSQL and Redis ----------------------------------------------------------

DATABASE_URL = env_str("DATABASE_URL")
REDIS_URL = env_str("REDIS_URL")
if not DATABASE_URL or not REDIS_URL:
    # The embedded default: a real PostgreSQL and Redis under .data/ (see ops/dev.py).
    try:
        from ops import dev
    except ImportError as error:  # pragma: no cover - only without the [embedded] extra
        raise ImproperlyConfigured(
            "DATABASE_URL and REDIS_URL are not set and the embedded servers are not "
            "installed (pip install '.[embedded]')"
        ) from error
    _embedded = dev.ensure_services(database=not DATABASE_URL, redis=not REDIS_URL)
    DATABASE_URL = DATABASE_URL or _embedded.database.url
    REDIS_URL = REDIS_URL or _embedded.redis.url

DATABASES = {
    "default": {
        **parse_database_url(DATABASE_URL),
        "CONN_MAX_AGE": env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
        "CONN_HEALTH_CHECKS": True,
    }
}
# An optional streaming replica for the reads of dashboards, reports and exports
# (core/replica.py, docs/replica.md); without it every read goes to the primary.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {
        **parse_database_url(DATABASE_REPLICA_URL, variable="DATABASE_REPLICA_URL"),
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
        # Tests read the primary's test database through this alias: no second one is made.
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["core.replica.ReplicaRouter"]
# A replica replaying further behind than this is not used (checked at most every
# DATABASE_REPLICA_CHECK_SECONDS in each process); a user who wrote within
# DATABASE_REPLICA_AFTER_WRITE_SECONDS reads the primary (read-your-writes).
DATABASE_REPLICA_MAX_LAG_SECONDS = env_int("DATABASE_REPLICA_MAX_LAG_SECONDS", 5, minimum=0)
DATABASE_REPLICA_CHECK_SECONDS = env_int("DATABASE_REPLICA_CHECK_SECONDS", 3, minimum=0)
DATABASE_REPLICA_AFTER_WRITE_SECONDS = env_int("DATABASE_REPLICA_AFTER_WRITE_SECONDS", 5, minimum=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_CACHE_URL = redis_cache_url(REDIS_URL)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_CACHE_URL,
        "KEY_PREFIX": "xindai",
        "OPTIONS": {"socket_timeout": 2, "socket_connect_timeout": 2},
    }
}

# --- Applications ---------------------------------------------------------------------------

INSTALLED_APPS = [
    # Django admin with the second-factor check on its permission (accounts/admin_site.py).
    "accounts.apps.SecondFactorAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_celery_beat",
    # django-axes, named "Login lockout" in admin.
    "accounts.lockout.LoginLockoutConfig",
    "django_otp",
    # Before accounts: accounts/admin.py takes the plugin's device admin back off the site.
    "django_otp.plugins.otp_totp",
    "accounts",
    "audit",
    "customers",
    "credit",
    "lending",
    "risk",
    "dashboards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "crm_site.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise, so static files keep their long-lived caching: every page is no-store.
    "crm_site.middleware.PrivatePagesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Moves an active session's idle expiry on, once a minute rather than on every request.
    "accounts.middleware.SessionRenewalMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before the CSRF check reads the form: keeps upload names as sent (documents refuse paths).
    "core.upload_names.RawUploadNamesMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Notes a signed-in user's successful POST: their next pages read the primary, not the
    # replica that may not have replayed it yet (core/replica.py).
    "core.replica.LastWriteMiddleware",
    # Marks request.user verified when this session passed the second factor.
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    # Django's LoginRequiredMiddleware, extended with the second step of the log-in.
    "accounts.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "audit.middleware.AuditContextMiddleware",
    # A view's "not found or not yours" answers with the product's 404 page, DEBUG or not.
    "crm_site.middleware.ProductNotFoundMiddleware",
    # Axes must come last: it turns a lockout raised during authentication into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "crm_site.urls"
WSGI_APPLICATION = "crm_site.wsgi.application"

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
                "accounts.context_processors.navigation",
            ],
            "builtins": ["accounts.templatetags.reference"],
        },
    },
]

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Authentication and sessions ------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Axes first, so a locked-out user is refused before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.BranchAwareModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 10, minimum=8)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sessions end after this much inactivity: requests push the expiry forward, at most once a
# minute (accounts.middleware.SessionRenewalMiddleware).
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30, minimum=1) * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Behind the production reverse proxy the client address is the last X-Forwarded-For hop.
AXES_IPWARE_PROXY_COUNT = env_int("PROXY_COUNT", 0, minimum=0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)

# Second factor (TOTP from an authenticator app, django-otp): optional for everyone, required
# for the roles listed here (comma-separated role codes, e.g. "manager,risk_officer,admin").
# The codes of accounts.models.Role.
_ROLE_CODES = ("officer", "manager", "risk_officer", "admin", "compliance")
OTP_REQUIRED_ROLES = env_list("OTP_REQUIRED_ROLES", [])
if _unknown_roles := sorted(set(OTP_REQUIRED_ROLES) - set(_ROLE_CODES)):
    raise ImproperlyConfigured(
        f"OTP_REQUIRED_ROLES names unknown roles {', '.join(_unknown_roles)}; "
        f"the roles are {', '.join(_ROLE_CODES)}"
    )
# The name authenticator apps show next to the user name.
OTP_TOTP_ISSUER = "Xindai CRM"
# After the n-th wrong code in a row the next try waits 2^(n-1) seconds (1, 2, 4, 8…).
OTP_TOTP_THROTTLE_FACTOR = 1

# --- Security -------------------------------------------------------------------------------

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers probe /healthz over plain HTTP inside the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Scripts and styles come only from our own static files: no inline code, no CDN.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'self'; object-src 'none'"
)

# --- Internationalisation -------------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_TZ = True

try:
    import zoneinfo

    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(f"TIME_ZONE {TIME_ZONE!r} is not a known time zone") from None

# Servicing's "today" (due dates, days past due): the calendar unless pinned for a demo.
BUSINESS_DATE = env_str("BUSINESS_DATE") or None
if BUSINESS_DATE:
    import datetime as _dt

    try:
        _dt.date.fromisoformat(BUSINESS_DATE)
    except ValueError:
        raise ImproperlyConfigured(
            f"BUSINESS_DATE must be a date like 2026-11-30; got {BUSINESS_DATE!r}"
        ) from None

# Customers per chunk of the nightly risk recompute (one Celery task and one transaction).
RISK_CHUNK_SIZE = env_int("RISK_CHUNK_SIZE", 20_000, minimum=1)
# A fanned-out risk run whose chunks are all queued but none taken up or committed for this
# long is dead, and the next run resumes it (risk.jobs states the whole rule). Keep it above
# the longest a chunk waits in the queue for a free worker.
RISK_RUN_DEAD_AFTER_SECONDS = env_int("RISK_RUN_DEAD_AFTER_SECONDS", 600, minimum=60)
# Tests only (tests/platform/test_fault_tolerance.py): a chunk writes this file and waits
# before it commits, so a test can kill its worker mid-chunk. Never set in production.
RISK_CHUNK_HOLD_FILE = env_str("RISK_CHUNK_HOLD_FILE")

# How old the dashboard's activity figures (alerts, pipeline, league table...) may be before
# a page computes them again; Celery refreshes the bank's and each branch's every 5 minutes.
DASHBOARD_FIGURES_MAX_AGE = env_int("DASHBOARD_FIGURES_MAX_AGE", 600, minimum=0)

# How many identifiers held by customers outside their scope one person may try to register
# in a day before their manager gets a conduct alert (risk.conduct): a customer who walked
# into the wrong branch is one or two; more looks like someone finding out who banks here.
DUPLICATE_ATTEMPTS_ALERT_AFTER = env_int("DUPLICATE_ATTEMPTS_ALERT_AFTER", 5, minimum=1)

# Text messages to customers: a backend class with send(phone, message); the default logs.
SMS_BACKEND = env_str("SMS_BACKEND", "lending.notifications.LoggingSmsBackend")

# --- Static files ---------------------------------------------------------------------------

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
    # Documents' files: a private folder under the data folder, or an S3-compatible bucket
    # (crm_site/document_storage.py); never served by a public URL.
    "documents": documents_storage_setting(
        os.environ, data_dir=Path(env_str("CRM_DATA_DIR") or BASE_DIR / ".data")
    ),
}
# The largest document accepted on upload (bytes).
DOCUMENTS_MAX_BYTES = env_int("DOCUMENTS_MAX_BYTES", 10 * 1024 * 1024, minimum=1)

# --- E-mail ---------------------------------------------------------------------------------

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on")
# Where the file-based backend (`make run`'s demo mail) writes one file per message.
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(BASE_DIR / ".data" / "logs" / "mail"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Xindai CRM <crm@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery ---------------------------------------------------------------------------------

CELERY_BROKER_URL = REDIS_URL
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged only after it ran, so a worker killed mid-task leaves it queued.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A worker keeps its PostgreSQL connection from task to task, as a web process keeps it from
# request to request: crm_site/celery.py closes it when DATABASE_CONN_MAX_AGE says so and after
# a task that did not succeed. Celery alone would open a new one for every task, and a nightly
# chunk on a new backend pays its start and its cold catalog caches (0.1 to 0.2 s a chunk at
# 1,000,000 loans). Celery still closes it every this many tasks; 0 means after every task.
CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", 1000, minimum=0)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Redis hands a message that a worker took but never acknowledged (the worker was killed)
    # to another worker after this many seconds. It must exceed the longest task: a nightly
    # chunk of RISK_CHUNK_SIZE customers takes well under a minute.
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=1),
    # A Redis that is down or unreachable fails a publish in seconds, never hangs a request.
    "socket_connect_timeout": 2,
    "socket_timeout": 10,
}
CELERY_TIMEZONE = TIME_ZONE
# The schedule lives in the database (admins edit it); only the beat holding a PostgreSQL
# advisory lock sends it, so a second beat waits as a standby (crm_site/beat.py).
CELERY_BEAT_SCHEDULER = "crm_site.beat:SingleBeatScheduler"
# Each entry's last run is saved as soon as it is sent, so a standby that takes over does not
# send again what the leader sent just before it died.
CELERY_BEAT_SYNC_EVERY = 1
# The queue tasks go to and workers read: installations sharing one Redis keep apart.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "celery")
# Beat heartbeats older than this make /healthz report the scheduler as stale.
BEAT_STALE_AFTER_SECONDS = env_int("BEAT_STALE_AFTER_SECONDS", 300, minimum=60)

# --- Logging --------------------------------------------------------------------------------

LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured("LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"structured": {"()": "crm_site.logs.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # The embedded server's own chatter at start and exit is noise in development.
        "pgserver": {"level": "WARNING"},
        # Axes logs every successful log-in at INFO; the audit trail already records them.
        "axes": {"level": "WARNING"},
    },
}
