"""Server-side sign-in sessions.

Signing in creates a :class:`UserSession` row and puts a random token in the (signed)
session cookie; the user loader accepts the cookie only while the row exists. Signing out
deletes the row, so a copy of the cookie taken before is worthless afterwards.
:func:`end_other_sessions` ends a person's other sessions and revokes their API tokens
(password change, deactivation, role removal).
"""
import hashlib
import secrets
from datetime import timedelta

from flask import current_app, g, has_request_context, request, session
from flask_login import current_user, login_user, logout_user
from sqlalchemy import delete, select, update

from lms.auth.models import UserSession
from lms.extensions import db
from lms.types import utcnow

SESSION_KEY = "_session_token"
TOUCH_EVERY = timedelta(minutes=5)


def _digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def _lifetime():
    return timedelta(hours=current_app.config.get("SESSION_LIFETIME_HOURS", 12))


def start_session(person, user_agent=None):
    """A new session record for ``person``; returns (plain token, UserSession).
    The person's expired records are removed on the way."""
    db.session.execute(
        delete(UserSession)
        .where(UserSession.person_id == person.id, UserSession.created_at < utcnow() - _lifetime())
        .execution_options(synchronize_session="fetch")
    )
    plain = secrets.token_urlsafe(32)
    record = UserSession(person_id=person.id, token_hash=_digest(plain),
                         user_agent=(user_agent or "")[:300] or None)
    db.session.add(record)
    db.session.flush()
    return plain, record


def sign_in(person):
    """Sign the browser in as ``person``: a fresh cookie session tied to a new record."""
    session.clear()
    plain, record = start_session(person, request.user_agent.string if has_request_context() else None)
    login_user(person)
    session[SESSION_KEY] = plain
    g.user_session = record
    return record


def load(person, plain):
    """The session record the cookie token names, if it is ``person``'s; else None."""
    if not plain or not isinstance(plain, str):
        return None
    record = db.session.scalar(select(UserSession).where(UserSession.token_hash == _digest(plain)))
    if record is None or record.person_id != person.id:
        return None
    if record.created_at < utcnow() - _lifetime():
        return None
    # Only state-changing requests write (GET transactions stay read-only).
    if has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS"):
        now = utcnow()
        if record.last_seen_at is None or now - record.last_seen_at >= TOUCH_EVERY:
            record.last_seen_at = now
    return record


def current_session():
    """The current request's session record (None for anonymous or API requests)."""
    if not has_request_context() or not current_user.is_authenticated:
        return None
    return g.get("user_session")


def sign_out():
    record = current_session()
    if record is not None:
        db.session.delete(record)
        db.session.flush()
    g.pop("user_session", None)
    logout_user()
    session.clear()


def end_other_sessions(person):
    """End ``person``'s sessions and revoke their API tokens, except the credential the
    current request itself uses (the person's own session or token)."""
    keep_session = current_session() if has_request_context() else None
    keep_token = g.get("api_token") if has_request_context() else None
    query = delete(UserSession).where(UserSession.person_id == person.id)
    if keep_session is not None and keep_session.person_id == person.id:
        query = query.where(UserSession.id != keep_session.id)
    db.session.execute(query.execution_options(synchronize_session="fetch"))
    from lms.people.models import ApiToken

    tokens = update(ApiToken).where(ApiToken.person_id == person.id, ApiToken.revoked_at.is_(None))
    if keep_token is not None and keep_token.person_id == person.id:
        tokens = tokens.where(ApiToken.id != keep_token.id)
    db.session.execute(tokens.values(revoked_at=utcnow()).execution_options(synchronize_session="fetch"))
    db.session.flush()
