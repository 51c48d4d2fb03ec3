"""Configuration classes.

``Default`` runs on the embedded SQLite database under ``instance/`` with jobs run
inline; ``Production`` reads everything from the environment; ``Test`` is used by the
suite (``TEST_DATABASE_URL`` selects PostgreSQL).
"""
import os
import tempfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("LMS_INSTANCE_PATH", BASE_DIR / "instance"))


def _env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Default:
    # Which configuration this is (commands that must not run in production check it).
    LMS_CONFIG = "default"
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-change-me")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'brobygger.db'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 12
    # A browser sign-in ends this many hours after it began (server-side record).
    SESSION_LIFETIME_HOURS = int(os.environ.get("SESSION_LIFETIME_HOURS", "12"))
    WTF_CSRF_TIME_LIMIT = None
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "Europe/Stockholm"
    LANGUAGES = ["en", "sv", "da", "nb"]
    API_TOKEN_LIFETIME_HOURS = int(os.environ.get("API_TOKEN_LIFETIME_HOURS", "720"))
    # HSTS whenever cookies are sent over HTTPS only.
    HSTS_ENABLED = _env_bool("HSTS_ENABLED", SESSION_COOKIE_SECURE)
    # Rate limits (the ``limits`` library). Unset storage = in memory, per process;
    # redis://127.0.0.1:6379/0 shares the counts between processes.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or None
    # Behind a reverse proxy: how many proxies in front of the app set X-Forwarded-For and
    # X-Forwarded-Proto (werkzeug's ProxyFix). 0 = none: the headers are ignored (a
    # client could forge them), and every client seems to come from the proxy's address.
    PROXY_FIX_HOPS = int(os.environ.get("PROXY_FIX_HOPS", "0"))
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "brobygger")
    CERTIFICATE_VERIFY_LIMIT = os.environ.get("CERTIFICATE_VERIFY_LIMIT", "30/minute")
    # Failed sign-ins (HTML and API token): per account (email) and per client address.
    LOGIN_FAILURES_PER_ACCOUNT = os.environ.get("LOGIN_FAILURES_PER_ACCOUNT", "5 per 15 minutes")
    LOGIN_FAILURES_PER_ADDRESS = os.environ.get("LOGIN_FAILURES_PER_ADDRESS", "100 per 15 minutes")
    LOGIN_LIMITS_ENABLED = _env_bool("LOGIN_LIMITS_ENABLED", True)
    PER_PAGE = 25
    # Background jobs: without a broker Celery runs tasks eagerly (inline).
    CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL")
    CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND")
    # Seconds before the broker hands an unacknowledged task (its worker died) to another
    # worker; a certificate batch without progress for this long is queued again.
    CELERY_VISIBILITY_TIMEOUT = int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "600"))
    # The broker queue the app sends to and its workers read: installations (or test
    # runs) that share one Redis keep their tasks apart with a queue name of their own.
    CELERY_QUEUE = os.environ.get("CELERY_QUEUE", "celery")
    # Outgoing mail (SMTP).
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "brobygger@localhost")
    MAIL_ENABLED = _env_bool("MAIL_ENABLED", False)
    # Seconds to wait for the SMTP server (connecting, and each reply).
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", "10"))
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")
    # Exports written in the background (jobs): where their files go (a directory every
    # app process and worker shares), how long they are kept, how often beat cleans up.
    EXPORT_DIR = os.environ.get("EXPORT_DIR") or str(INSTANCE_DIR / "exports")
    EXPORT_KEEP_HOURS = float(os.environ.get("EXPORT_KEEP_HOURS", "24"))
    EXPORT_CLEAN_INTERVAL_SECONDS = int(os.environ.get("EXPORT_CLEAN_INTERVAL_SECONDS", "3600"))
    # A manager's certificate zip of more certificates than this is written as a job.
    CERTIFICATE_ZIP_JOB_THRESHOLD = int(os.environ.get("CERTIFICATE_ZIP_JOB_THRESHOLD", "300"))
    REMINDER_DAYS_BEFORE = int(os.environ.get("REMINDER_DAYS_BEFORE", "3"))
    ENROLMENT_PROMOTION_CUTOFF_HOURS = int(os.environ.get("ENROLMENT_PROMOTION_CUTOFF_HOURS", "24"))


class Test(Default):
    LMS_CONFIG = "test"
    TESTING = True
    SECRET_KEY = "test"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = False
    MAIL_ENABLED = False
    CELERY_BROKER_URL = None
    EXPORT_DIR = os.environ.get("TEST_EXPORT_DIR") or str(Path(tempfile.gettempdir()) / f"brobygger-test-exports-{os.getpid()}")


class Production(Default):
    LMS_CONFIG = "production"
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
    # "__Host-" cookies are only accepted Secure, with Path=/ and no Domain.
    SESSION_COOKIE_NAME = "__Host-session" if SESSION_COOKIE_SECURE else "session"
    SESSION_COOKIE_PATH = "/"
    SESSION_COOKIE_DOMAIN = None
    REMEMBER_COOKIE_SECURE = True
    HSTS_ENABLED = _env_bool("HSTS_ENABLED", SESSION_COOKIE_SECURE)


CONFIGS = {"default": Default, "test": Test, "production": Production}
