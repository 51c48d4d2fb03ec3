"""Passwords and API tokens."""
import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import select

from lms.extensions import db
from lms.people.models import ApiToken, Person
from lms.types import utcnow

_hasher = PasswordHasher()
# Verifying against this keeps unknown emails as slow as known ones.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password):
    """Hash a password with argon2id."""
    return _hasher.hash(password)


def verify_password(person, password):
    """True when ``password`` matches; takes the same time whether or not a hash exists."""
    stored = person.password_hash if person is not None and person.password_hash else None
    try:
        ok = _hasher.verify(stored or _DUMMY_HASH, password or "")
    except (VerificationError, InvalidHashError):
        return False
    if ok and stored and _hasher.check_needs_rehash(stored):
        person.password_hash = hash_password(password)
    return bool(ok and stored)


def authenticate(email, password):
    """The active person with this email and password, or None."""
    email = (email or "").strip().lower()
    person = db.session.scalar(select(Person).where(Person.email == email)) if email else None
    if not verify_password(person, password):
        return None
    return person if person.active else None


def _digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(person):
    """Create an API token for ``person``; returns (plain token, ApiToken)."""
    plain = secrets.token_urlsafe(32)
    hours = current_app.config.get("API_TOKEN_LIFETIME_HOURS", 720)
    token = ApiToken(person=person, token_hash=_digest(plain), expires_at=utcnow() + timedelta(hours=hours))
    db.session.add(token)
    db.session.flush()
    return plain, token


def person_for_token(plain):
    """The person a valid (unexpired, unrevoked) token belongs to, or None."""
    if not plain:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(plain)))
    if token is None or token.revoked_at is not None or token.expires_at <= utcnow():
        return None
    if not token.person.active:
        return None
    return token


def revoke_token(token):
    token.revoked_at = utcnow()
    db.session.flush()
