"""Passwords and API tokens."""
import hashlib
import secrets
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
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
    """Revoke an API token (it stops working at once)."""
    token.revoked_at = utcnow()
    db.session.flush()


# Passwords people choose themselves --------------------------------------------

PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 200
# Common passwords (the ~20,000 most common, as Django ships them; one a line).
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt")


@lru_cache(maxsize=1)
def common_passwords():
    """The set of common passwords a new password may not be (read once)."""
    with COMMON_PASSWORDS_FILE.open(encoding="utf-8") as lines:
        return frozenset(line.strip().lower() for line in lines if line.strip())


def password_problems(password):
    """Translated reasons why ``password`` may not be chosen (empty when it may)."""
    if not isinstance(password, str) or len(password) < PASSWORD_MIN_LENGTH:
        return [_("Use at least %(n)s characters.", n=PASSWORD_MIN_LENGTH)]
    if len(password) > PASSWORD_MAX_LENGTH:
        return [_("At most %(n)s characters.", n=PASSWORD_MAX_LENGTH)]
    if password.strip().lower() in common_passwords():
        return [_("This password is too common. Choose one that is harder to guess.")]
    return []


def change_password(person, current, new, confirm):
    """Change one's own password: the current one must be right, the new one long enough
    and not common, typed twice alike. Ends the person's other sessions and revokes
    their API tokens."""
    from lms.auth.sessions import end_other_sessions
    from lms.validation import Problems

    problems = Problems()
    if not verify_password(person, current if isinstance(current, str) else ""):
        problems.add("current_password", _("This is not your current password."))
    for problem in password_problems(new):
        problems.add("new_password", problem)
    if new != confirm:
        problems.add("confirm", _("The two new passwords are not the same."))
    problems.raise_if_any()
    person.password_hash = hash_password(new)
    db.session.flush()
    end_other_sessions(person)
    return person
