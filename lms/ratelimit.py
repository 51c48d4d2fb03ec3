"""The application's one rate-limit storage (the ``limits`` library).

``RATELIMIT_STORAGE_URI`` chooses where counts live: unset (or ``memory://``) keeps them
in this process; ``redis://host:6379/0`` shares them between every process that uses the
same Redis, so a limit holds across gunicorn workers and servers. ``RATELIMIT_KEY_PREFIX``
keeps different installations (or test runs) on one Redis apart.

The storage is kept per application (``app.extensions["ratelimit_storage"]``), never
module-global: two apps in one process count apart unless they share a Redis.
"""
import math
import time

from flask import current_app
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


def init_app(app):
    uri = app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
    app.config["RATELIMIT_STORAGE_URI"] = uri
    options = {}
    if not uri.startswith("memory://"):
        options["key_prefix"] = app.config.get("RATELIMIT_KEY_PREFIX") or "brobygger"
    app.extensions["ratelimit_storage"] = storage_from_string(uri, **options)
    if uri.startswith("memory://") and app.config.get("LMS_CONFIG") == "production":
        # Each gunicorn worker would count on its own: N workers allow N times the limit.
        app.logger.warning("RATELIMIT_STORAGE_URI is not set: sign-in and verification limits count "
                           "in each process apart. Set it to a Redis URL shared by every process.")


def storage(app=None):
    """The app's storage (created on first use when ``init_app`` did not run)."""
    app = app or current_app
    if "ratelimit_storage" not in app.extensions:
        init_app(app)
    return app.extensions["ratelimit_storage"]


class FailureCounter:
    """Counts failures (not attempts) in a moving window: ``blocked()`` before trying,
    ``fail()`` after a failure. Keys are whatever identifies the subject (account, address)."""

    def __init__(self, limit, scope, app=None):
        self.limit = parse(limit) if isinstance(limit, str) else limit
        self.scope = scope
        self.limiter = MovingWindowRateLimiter(storage(app))

    def blocked(self, key):
        """True when ``key`` has used up its failures for the window. When the storage is
        unreachable (Redis down) the attempt is let through and the outage logged: a
        sign-in must not fail because the counter is away."""
        try:
            return not self.limiter.test(self.limit, self.scope, key)
        except Exception:  # noqa: BLE001  (any storage error: fail open, loudly)
            _storage_down()
            return False

    def fail(self, key):
        try:
            self.limiter.hit(self.limit, self.scope, key)
        except Exception:  # noqa: BLE001
            _storage_down()

    def retry_after(self, key):
        """Seconds until one more attempt is allowed (at least 1)."""
        try:
            reset = self.limiter.get_window_stats(self.limit, self.scope, key).reset_time
        except Exception:  # noqa: BLE001
            _storage_down()
            return 60
        return max(1, math.ceil(reset - time.time()))


def _storage_down():
    current_app.logger.error("Rate-limit storage %s is unreachable; limits are not applied.",
                             current_app.config.get("RATELIMIT_STORAGE_URI"), exc_info=True)


def safe_hit(limiter, limit, *identifiers):
    """``limiter.hit(...)``; True (allowed) when the storage is unreachable, logged."""
    try:
        return limiter.hit(limit, *identifiers)
    except Exception:  # noqa: BLE001
        _storage_down()
        return True


def client_address():
    """The client's address. Behind a proxy, set ``PROXY_FIX_HOPS`` (werkzeug's ProxyFix)
    so that ``remote_addr`` is the client's, not the proxy's."""
    from flask import request

    return request.remote_addr or "unknown"
