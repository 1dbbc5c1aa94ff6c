"""Settings for the SuperGrid portal, read from the environment.

With nothing set, the portal runs in development mode on a SQLite file under
``var/``. Production sets ``DEBUG=0``, ``SECRET_KEY``, ``ALLOWED_HOSTS`` and
``DATABASE_URL`` (PostgreSQL); see the README for every variable.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from supergrid import oidc

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SUPERGRID_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    """1/0, true/false, yes/no or on/off in any case; unset or empty is the default. Anything else (a
    typo such as DEBUG=ture) refuses to start rather than quietly meaning off."""
    value = os.environ.get(name, "")
    word = value.strip().lower()
    if not word:
        return default
    if word in {"1", "true", "yes", "on"}:
        return True
    if word in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be 1 or 0 (or true/false, yes/no, on/off), not {value!r}")


def env_int(name: str, default: int) -> int:
    """A whole number; unset or empty is the default."""
    value = os.environ.get(name, "")
    if not value.strip():
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def env_float(name: str, default: float) -> float:
    """A number such as 2 or 0.5; unset or empty is the default."""
    value = os.environ.get(name, "")
    if not value.strip():
        return default
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # First: the first app's management command wins, and supergrid's runserver (which imports the URLconf
    # before the autoreloader's threads start, docs/development.md) must replace staticfiles'.
    "supergrid",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",
    "django_htmx",
    "supergrid.apps.TasksConfig",  # django_tasks_db, with a translated name
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "accounts",
    "federations",
    "supernodes",
    "runs",
    "apps",
    "webhooks",
    "superlink",
]

MIDDLEWARE = [
    "supergrid.middleware.RequestIdMiddleware",
    "supergrid.middleware.SourceMiddleware",  # the activity log's source column: web, admin or cli
    "supergrid.metrics.LatencyMiddleware",  # /metrics: every answer's time, by view name
    "supergrid.middleware.BodyLimitMiddleware",  # before anything reads a body (CsrfViewMiddleware does)
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",  # the browser's language (or the switcher's cookie)
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.languages.PreferredLanguageMiddleware",  # the profile's language wins over the browser's
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "supergrid.middleware.ErrorPageMiddleware",
    "accounts.sso.ProviderTroubleMiddleware",  # a sign-in provider that is down: a page, not a 500
]

ROOT_URLCONF = "supergrid.urls"
WSGI_APPLICATION = "supergrid.wsgi.application"
ASGI_APPLICATION = "supergrid.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "federations.context_processors.navigation",
            ],
        },
    },
]
FORM_RENDERER = "supergrid.forms.SuperGridFormRenderer"

# Database: DATABASE_URL (postgres://… or sqlite:///…); SQLite under var/ by default. Connections are
# kept between requests (and between SuperLink calls) and checked before reuse.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'supergrid.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The portal's working set lives in memory (or on SSD): with PostgreSQL's default of 4, a federation
    # list of a member of 100 is planned as a scan of every federation (7 ms) instead of 100 index
    # lookups (0.7 ms). Operators who tune postgresql.conf themselves can set it to "".
    DATABASES["default"].setdefault("OPTIONS", {})
    page_cost = os.environ.get("DATABASE_RANDOM_PAGE_COST", "1.1")
    if page_cost:
        DATABASES["default"]["OPTIONS"]["options"] = f"-c random_page_cost={page_cost}"
    # Statements a connection runs again and again (every page's session and user lookups, the SuperLink's
    # checks) are prepared on the server after DATABASE_PREPARE_THRESHOLD runs, so PostgreSQL stops
    # planning them (1–2 ms per query on these machines, more than running them). That needs parameters
    # bound on the server. Set it empty behind a transaction-pooling PgBouncer, which cannot keep them.
    prepare_threshold = os.environ.get("DATABASE_PREPARE_THRESHOLD", "5")
    DATABASES["default"]["OPTIONS"] |= (
        {"server_side_binding": True, "prepare_threshold": env_int("DATABASE_PREPARE_THRESHOLD", 5)}
        if prepare_threshold
        else {"prepare_threshold": None}
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Request bodies. Django keeps at most DATA_UPLOAD_MAX_MEMORY_SIZE of form fields in memory (its
# default, named here for the cap below); a body larger than REQUEST_BODY_MAX_BYTES is refused with a
# 400 before anything reads it (supergrid.middleware.BodyLimitMiddleware), except by views that stop
# uploads at their own limit (launching a run: the FAB limit, with a field error).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
REQUEST_BODY_MAX_BYTES = DATA_UPLOAD_MAX_MEMORY_SIZE

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "federations:dashboard"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"

# django-allauth: username = Flower account name; sign in with username or email.
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_USERNAME_VALIDATORS = "accounts.validators.USERNAME_VALIDATORS"
ACCOUNT_USERNAME_MIN_LENGTH = 1
ACCOUNT_PRESERVE_USERNAME_CASING = True
ACCOUNT_UNIQUE_EMAIL = True
# Production verifies email addresses, which also lets sign-up hide which addresses have accounts.
ACCOUNT_EMAIL_VERIFICATION = os.environ.get("ACCOUNT_EMAIL_VERIFICATION", "optional" if DEBUG else "mandatory")
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[SuperGrid] "
# Behind a reverse proxy: how many proxies append to X-Forwarded-For, so rate limits see the client.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
ACCOUNT_RATE_LIMITS_ENABLED = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False

# Single sign-on through the members' institutions (OpenID Connect, allauth's openid_connect provider;
# docs/sso.md). OIDC_PROVIDERS is a JSON list: [{"id": "uni-a", "name": "University A", "issuer":
# "https://idp.uni-a.example/realms/main", "client_id": "…", "client_secret": "…"}]. The first sign-in asks
# for a username (the Flower account name, chosen, never derived from an email).
OIDC_PROVIDERS = oidc.providers(os.environ.get("OIDC_PROVIDERS", ""))
SOCIALACCOUNT_PROVIDERS = oidc.socialaccount_providers(OIDC_PROVIDERS)
SOCIALACCOUNT_ADAPTER = "accounts.adapter.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = False  # the username is chosen on a form of its own
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # an institution's account never takes over a portal account by email
SOCIALACCOUNT_STORE_TOKENS = False
# With PASSWORD_SIGNUP=0 only single sign-on creates accounts (password sign-in keeps working).
PASSWORD_SIGNUP = env_bool("PASSWORD_SIGNUP", True)

# Email: console in development; SMTP when EMAIL_HOST is set.
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "SuperGrid <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if os.environ.get("EMAIL_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ["EMAIL_HOST"],
                "port": env_int("EMAIL_PORT", 587),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", True),
                "timeout": 10,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
    }
    if os.environ.get("REDIS_URL")
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# English (the source language) and Korean, per person: the profile's choice, else the browser's
# Accept-Language (or the footer's switcher, a cookie), else English. docs/i18n.md.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ko", "한국어")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["supergrid.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
if DEBUG:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Run artifacts. Apps write into ARTIFACTS_WORK_DIR/<run id> (the SuperLink hands it to them as
# SUPERGRID_ARTIFACTS_DIR); when a run ends its folder is packed into the "artifacts" storage below, any
# Django storage backend (S3 with django-storages, say: docs/artifacts.md).
ARTIFACTS_WORK_DIR = Path(os.environ.get("ARTIFACTS_WORK_DIR", VAR_DIR / "artifacts" / "work"))
ARTIFACTS_MAX_BYTES = env_int("ARTIFACTS_MAX_BYTES", 1024**3)  # kept of one run; the rest is listed as left out
ARTIFACTS_MAX_FILES = env_int("ARTIFACTS_MAX_FILES", 10_000)  # files kept of one run
ARTIFACTS_TOTAL_MAX_BYTES = env_int("ARTIFACTS_TOTAL_MAX_BYTES", 50 * 1024**3)  # all runs' zips together
ARTIFACTS_LINK_SECONDS = env_int("ARTIFACTS_LINK_SECONDS", 3600)  # how long a `flwr pull` link works
# The private Hub (apps/): where the SuperLink and the flwr CLI find it (FLWR_SUPERGRID_API_URL), and
# where published FABs are kept.
HUB_API_URL = os.environ.get("HUB_API_URL", "")  # set below from PORTAL_URL when empty
HUB_LOCATION = os.environ.get("HUB_LOCATION", str(VAR_DIR / "hub"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "hub": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": HUB_LOCATION}},
    # A folder by default (ARTIFACTS_LOCATION); another backend by its dotted path, configured by its own
    # settings (django-storages' S3Storage reads AWS_STORAGE_BUCKET_NAME and friends).
    "artifacts": {"BACKEND": os.environ["ARTIFACTS_STORAGE_BACKEND"]}
    if os.environ.get("ARTIFACTS_STORAGE_BACKEND")
    else {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": os.environ.get("ARTIFACTS_LOCATION", str(VAR_DIR / "artifacts" / "packed"))},
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Security. Content-Security-Policy with nonces: no inline script without one, no eval.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    # A sign-in through an institution posts to the portal, which redirects to the provider: exactly the
    # configured providers' origins, nothing wider.
    "form-action": [CSP.SELF, *oidc.origins(OIDC_PROVIDERS)],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers poll it over plain HTTP
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# One line per event, with the request id (X-Request-ID) when there is a request.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "supergrid.middleware.RequestIdFilter"}},
    "formatters": {
        "line": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "line", "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.tasks": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        "alembic": {"level": "WARNING"},  # the SuperLink migrating its own state file on every start
    },
}

ACCOUNT_FORMS = {"login": "accounts.forms.SuperGridLoginForm", "signup": "accounts.forms.SuperGridSignupForm"}

# Invitations: lifetime, the cap on pending invitations per federation, and sending rate limit.
INVITATION_LIFETIME_DAYS = env_int("INVITATION_LIFETIME_DAYS", 14)
INVITATION_PENDING_LIMIT = env_int("INVITATION_PENDING_LIMIT", 50)
INVITATION_RATE_LIMIT = os.environ.get("INVITATION_RATE_LIMIT", "30/h")

# Background work (notification emails). Development runs tasks in-process after commit, so it needs
# no worker; production queues them in the database for `manage.py worker`, which retries failed
# emails and survives restarts.
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "immediate" if DEBUG else "database")
TASKS = {
    "default": {
        "BACKEND": {
            "immediate": "django.tasks.backends.immediate.ImmediateBackend",
            "database": "django_tasks_db.DatabaseBackend",
        }[TASKS_BACKEND]
    }
}

# The Flower SuperLink run beside the portal (manage.py superlink) and the CLI login it offers.
# The portal's public address, for links in emails and `flwr login`. Development derives it from PORT.
PORTAL_URL = os.environ.get("PORTAL_URL", "").rstrip("/")
if not PORTAL_URL:
    if not DEBUG:
        raise ImproperlyConfigured("PORTAL_URL must be set when DEBUG is off, e.g. https://grid.example.org")
    PORTAL_URL = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
HUB_API_URL = HUB_API_URL or f"{PORTAL_URL}/api/hub/v1"
# Where the portal reaches the SuperLink.
SUPERLINK_ADDRESS = os.environ.get("SUPERLINK_ADDRESS", "127.0.0.1:9093")
# Where the SuperLink listens: production listens on every interface (0.0.0.0:9093) so that, while it
# restarts, SuperNodes at other sites see a refused connection, which they retry.
SUPERLINK_LISTEN = os.environ.get("SUPERLINK_LISTEN", "") or SUPERLINK_ADDRESS
# The address flwr and flower-supernode use to reach it, when that differs from where it listens.
SUPERLINK_PUBLIC_ADDRESS = os.environ.get("SUPERLINK_PUBLIC_ADDRESS", SUPERLINK_ADDRESS)
# More names or addresses the local CA's server certificate covers, besides localhost and the hosts of
# SUPERLINK_ADDRESS and SUPERLINK_PUBLIC_ADDRESS (e.g. a second DNS name, the machine's IP address).
SUPERLINK_TLS_HOSTS = env_list("SUPERLINK_TLS_HOSTS")
SUPERLINK_DATABASE = os.environ.get("SUPERLINK_DATABASE", str(VAR_DIR / "superlink.db"))
SUPERLINK_TLS_DIR = Path(os.environ.get("SUPERLINK_TLS_DIR", VAR_DIR / "tls"))
SUPERLINK_SSL_CERTFILE = os.environ.get("SUPERLINK_SSL_CERTFILE", "")
SUPERLINK_SSL_KEYFILE = os.environ.get("SUPERLINK_SSL_KEYFILE", "")
SUPERLINK_SSL_CA_CERTFILE = os.environ.get("SUPERLINK_SSL_CA_CERTFILE", "")
CLI_LOGIN_LIFETIME_SECONDS = env_int("CLI_LOGIN_LIFETIME_SECONDS", 600)
# `flwr login` needs no account, so the logins waiting for approval are capped.
CLI_LOGIN_PENDING_LIMIT = env_int("CLI_LOGIN_PENDING_LIMIT", 200)
CLI_ACCESS_TOKEN_LIFETIME_SECONDS = env_int("CLI_ACCESS_TOKEN_LIFETIME_SECONDS", 3600)
CLI_REFRESH_TOKEN_LIFETIME_SECONDS = env_int("CLI_REFRESH_TOKEN_LIFETIME_SECONDS", 30 * 86400)
PORTAL_TOKEN_LIFETIME_SECONDS = 300
# How long the SuperLink may answer "which nodes are in which federation" from memory before
# re-reading (changes made inside the SuperLink process invalidate it at once).
SUPERLINK_NODE_CACHE_SECONDS = env_float("SUPERLINK_NODE_CACHE_SECONDS", 2.0)

# /metrics (Prometheus): never public. A scraper sends "Authorization: Bearer <METRICS_TOKEN>", or scrapes
# from an address in METRICS_ALLOWED_IPS (comma-separated); with neither, /metrics is a missing page.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
# The SuperLink's own /metrics (Control call latencies, FederationManager calls, runs by status), on
# 127.0.0.1 at this port; 0: not served.
SUPERLINK_METRICS_PORT = env_int("SUPERLINK_METRICS_PORT", 0)
METRICS_ALLOWED_IPS = [ip.strip() for ip in os.environ.get("METRICS_ALLOWED_IPS", "").split(",") if ip.strip()]

# Webhooks (docs/webhooks.md): https only unless WEBHOOKS_ALLOW_HTTP (on in development); never to
# loopback, link-local, private or reserved addresses, except networks listed (CIDR, comma-separated) in
# WEBHOOKS_ALLOWED_NETWORKS, for receivers on the operator's own network.
WEBHOOKS_ALLOW_HTTP = env_bool("WEBHOOKS_ALLOW_HTTP", DEBUG)
WEBHOOKS_ALLOWED_NETWORKS = env_list("WEBHOOKS_ALLOWED_NETWORKS")

# Fair-share limits (federations.limits): operator defaults, per-user overrides in the admin. 0: no limit
# (development's default); deploy/supergrid.env sets production's.
LIMIT_FEDERATIONS = env_int("LIMIT_FEDERATIONS", 0)  # active federations a user owns (not their workspace)
LIMIT_RUNS = env_int("LIMIT_RUNS", 0)  # a user's runs pending or running at once
LIMIT_RUNS_PER_FEDERATION = env_int("LIMIT_RUNS_PER_FEDERATION", 0)  # runs at once in one federation
LIMIT_SUPERNODES = env_int("LIMIT_SUPERNODES", 0)  # SuperNodes a user registers
LIMIT_SIMULATED_SUPERNODES = env_int("LIMIT_SIMULATED_SUPERNODES", 0)  # per simulation federation
