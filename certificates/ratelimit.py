"""A per-address rate limit for the public verification endpoints.

Fixed windows counted by the ``limits`` library: in memory by default (one process),
or shared through ``RATELIMIT_STORAGE_URI`` (e.g. ``redis://localhost:6379/1``): the
application's one storage (lms.ratelimit), the same the sign-in limits count in.
``CERTIFICATE_VERIFY_LIMIT`` sets the limit ("30/minute"); ``RATELIMIT_ENABLED = False``
turns it off (the test configuration does, except in the test of the limit itself).
"""
from flask import abort, current_app, request
from limits import parse
from limits.strategies import FixedWindowRateLimiter

from lms import ratelimit


def init_app(app):
    app.config.setdefault("CERTIFICATE_VERIFY_LIMIT", "30/minute")
    # The suite verifies many certificates from one address; the limit's own test
    # turns it on with a low limit.
    app.config.setdefault("RATELIMIT_ENABLED", not app.testing)
    storage = ratelimit.storage(app)
    app.extensions["certificate_ratelimit"] = (FixedWindowRateLimiter(storage), parse(app.config["CERTIFICATE_VERIFY_LIMIT"]))


def client_address():
    # Behind a proxy, set PROXY_FIX_HOPS (werkzeug's ProxyFix) so remote_addr is the client's.
    return request.remote_addr or "unknown"


def hit(scope="verify"):
    """Count one request from this address; abort with 429 when over the limit."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    limiter, limit = current_app.extensions["certificate_ratelimit"]
    if not ratelimit.safe_hit(limiter, limit, scope, client_address()):
        abort(429)
