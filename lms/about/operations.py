"""The accessibility feedback channel: a message reaches the coordinators by email."""
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from lms.extensions import db
from lms.jobs import after_commit
from lms.notifications.models import OutboxEmail
from lms.people.models import Person, RoleGrant


def recipients():
    """Active coordinators and administrators with an email address."""
    return db.session.scalars(
        select(Person).where(Person.active.is_(True), Person.email.is_not(None),
                             Person.roles.any(RoleGrant.role.in_(("coordinator", "admin")))).order_by(Person.id)).all()


def send_feedback(data, sender=None):
    """Write one email per coordinator to the outbox (each in their own language); flush only.
    Returns the number of recipients."""
    from lms.notifications.operations import dispatch

    people = recipients()
    ids = []
    for person in people:
        with force_locale(person.locale or "en"):
            subject = _("Accessibility feedback from Brobygger")
            lines = [
                _("Someone has reported an accessibility problem."),
                "",
                _("Name: %(name)s", name=data.get("name") or "-"),
                _("Email: %(email)s", email=data.get("email") or (getattr(sender, "email", None) or "-")),
                _("Page: %(page)s", page=data.get("page") or "-"),
                "",
                data["message"],
                "",
                _("The law asks for an answer within a reasonable time. Reply to the sender if they left an address."),
            ]
        email = OutboxEmail(person_id=person.id, kind="accessibility_feedback", to_address=person.email,
                            subject=subject[:300], body="\n".join(lines), attachments=[])
        db.session.add(email)
        db.session.flush()
        ids.append(email.id)
    if ids and current_app.config.get("MAIL_ENABLED"):
        after_commit(dispatch, ids)
    return len(people)
