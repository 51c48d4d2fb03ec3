"""Limits on FAILED sign-ins (HTML /login and POST /api/v1/auth/token).

Two moving windows, counted in the app's rate-limit storage (lms.ratelimit, so shared
between processes through Redis when ``RATELIMIT_STORAGE_URI`` is set):

- per account (the normalised email, known or not): ``LOGIN_FAILURES_PER_ACCOUNT``
  ("5 per 15 minutes"); once used up, even the right password is refused until the
  window has passed;
- per client address: ``LOGIN_FAILURES_PER_ADDRESS`` ("100 per 15 minutes"), high so
  an office behind one address is not locked out by a few typos.

Successful sign-ins are never counted.
"""
import hashlib
import math

from flask import current_app
from flask_babel import ngettext

from lms.ratelimit import FailureCounter, client_address


def _account_key(email):
    return hashlib.sha256((email or "").strip().lower().encode()).hexdigest()


def _counters():
    config = current_app.config
    return (FailureCounter(config["LOGIN_FAILURES_PER_ACCOUNT"], "login-account"),
            FailureCounter(config["LOGIN_FAILURES_PER_ADDRESS"], "login-address"))


def _enabled():
    return current_app.config.get("LOGIN_LIMITS_ENABLED", True)


def refusal(email):
    """``(message, retry_after_seconds)`` when a sign-in as ``email`` from this address
    must be refused now; None when it may be tried."""
    if not _enabled():
        return None
    account, address = _counters()
    key, ip = _account_key(email), client_address()
    if account.blocked(key):
        seconds = account.retry_after(key)
        minutes = math.ceil(seconds / 60)
        return ngettext("Too many failed sign-ins for this account. Try again in %(num)s minute.",
                        "Too many failed sign-ins for this account. Try again in %(num)s minutes.", minutes), seconds
    if address.blocked(ip):
        seconds = address.retry_after(ip)
        minutes = math.ceil(seconds / 60)
        return ngettext("Too many failed sign-ins from your network. Try again in %(num)s minute.",
                        "Too many failed sign-ins from your network. Try again in %(num)s minutes.", minutes), seconds
    return None


def record_failure(email):
    if not _enabled():
        return
    account, address = _counters()
    account.fail(_account_key(email))
    address.fail(client_address())


def init_app(app):
    """Defaults, and a failure at start-up (not at the first sign-in) on a malformed limit."""
    from limits import parse

    app.config.setdefault("LOGIN_FAILURES_PER_ACCOUNT", "5 per 15 minutes")
    app.config.setdefault("LOGIN_FAILURES_PER_ADDRESS", "100 per 15 minutes")
    for name in ("LOGIN_FAILURES_PER_ACCOUNT", "LOGIN_FAILURES_PER_ADDRESS"):
        try:
            parse(app.config[name])
        except (KeyError, ValueError) as exc:
            raise RuntimeError(f"{name} is not a valid limit (e.g. \"5 per 15 minutes\"): {exc}") from None
