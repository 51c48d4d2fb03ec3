"""Business rules for organisations, job functions and people."""
from flask_babel import gettext as _
from sqlalchemy import select

from lms.auth.operations import hash_password
from lms.errors import ValidationError
from lms.extensions import db
from lms.people.models import Person, RoleGrant


def ensure_admin(email, password, name=None):
    """Create (or promote) an administrator with this email and password."""
    email = (email or "").strip().lower()
    errors = {}
    if "@" not in email or len(email) > 254:
        errors["email"] = [_("Give a valid email address.")]
    if not password or len(password) < 8:
        errors["password"] = [_("Use at least 8 characters.")]
    if errors:
        raise ValidationError(_("Some values are not valid."), fields=errors)
    person = db.session.scalar(select(Person).where(Person.email == email))
    if person is None:
        person = Person(email=email, name=name or email.split("@")[0], locale="en")
        db.session.add(person)
    person.password_hash = hash_password(password)
    person.active = True
    db.session.flush()
    if not any(g.role == "admin" for g in person.roles):
        person.roles.append(RoleGrant(role="admin"))
    db.session.flush()
    return person
