"""Emails through an outbox, delivered after commit by a Celery task; calendars (.ics).

An email row is written in the caller's transaction. Only when that transaction commits
are the new rows handed to Celery (without a broker: inline, after the response has been
sent), so a rolled-back sign-up sends nothing, and a failing or hanging mail server never
breaks or delays the sign-up; an email not sent stays queued for `flask jobs send-outbox`.
"""
import hashlib
import logging
import secrets
import smtplib
from email.message import EmailMessage

from flask import current_app, render_template
from flask_babel import gettext as _
from icalendar import Calendar
from icalendar import Event as IcsEvent
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session as OrmSession

from lms import dates
from lms.extensions import celery, db
from lms.jobs import after_commit, after_response
from lms.notifications.models import CalendarToken, OutboxEmail
from lms.types import utcnow

log = logging.getLogger(__name__)
WITH_CALENDAR = {"enrolled", "promoted", "approved", "reminder"}
MAX_ATTEMPTS = 5


# Calendars -------------------------------------------------------------------

def _vevent(session, event):
    base = current_app.config.get("BASE_URL", "").rstrip("/")
    item = IcsEvent()
    item.add("uid", f"session-{session.id}@brobygger")
    item.add("dtstamp", utcnow())
    item.add("dtstart", session.starts_at)
    item.add("dtend", session.ends_at)
    item.add("summary", event.full_title)
    where = session.place or event.place or event.online_url
    if where:
        item.add("location", where)
    # The session's time in words, naming its zone (calendar apps show DTSTART in the device's).
    with dates.for_reader(tz=dates.display_timezone(), always_zone=True):
        when = dates.session_range(session)
    description = when + ("\n\n" + event.activity.description[:2000] if event.activity.description else "")
    item.add("description", description)
    item.add("url", f"{base}/events/{event.id}")
    if event.status == "cancelled":
        item.add("status", "CANCELLED")
    return item


def _calendar(name):
    cal = Calendar()
    cal.add("prodid", "-//Brobygger//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    return cal


def event_calendar(event):
    """The .ics of an event: one VEVENT per session, times in UTC."""
    cal = _calendar(event.full_title)
    for session in event.sessions:
        cal.add_component(_vevent(session, event))
    return cal.to_ical()


def person_calendar(person, events):
    """A person's feed: the sessions of ``events`` (the events they are enrolled in, as the
    enrolment area lists them), in the person's language and timezone."""
    cal = _calendar("Brobygger")
    with dates.for_reader(_reader_locale(person), person.timezone):
        for event in events:
            for session in event.sessions:
                cal.add_component(_vevent(session, event))
    return cal.to_ical()


def _reader_locale(person):
    return person.locale if person.locale in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]


def _digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def create_calendar_token(person):
    """Revoke the person's feed tokens and make a new one; returns the plain token."""
    for old in db.session.scalars(select(CalendarToken).where(CalendarToken.person_id == person.id,
                                                             CalendarToken.revoked_at.is_(None))):
        old.revoked_at = utcnow()
    plain = secrets.token_urlsafe(24)
    db.session.add(CalendarToken(person_id=person.id, token_hash=_digest(plain), hint=plain[-4:]))
    db.session.flush()
    return plain


def revoke_calendar_tokens(person):
    """End every calendar link of the person."""
    for token in db.session.scalars(select(CalendarToken).where(CalendarToken.person_id == person.id,
                                                               CalendarToken.revoked_at.is_(None))):
        token.revoked_at = utcnow()
    db.session.flush()


def active_calendar_token(person):
    """The person's calendar link that still works, or None."""
    return db.session.scalar(select(CalendarToken).where(CalendarToken.person_id == person.id,
                                                         CalendarToken.revoked_at.is_(None)))


def person_for_calendar_token(plain):
    """The active person a calendar link belongs to, or None."""
    if not plain or len(plain) > 100:
        return None
    token = db.session.scalar(select(CalendarToken).where(CalendarToken.token_hash == _digest(plain)))
    if token is None or token.revoked_at is not None:
        return None
    from lms.people.models import Person

    person = db.session.get(Person, token.person_id)
    return person if person is not None and person.active else None


# Emails ----------------------------------------------------------------------

def _subject(what, title):
    subjects = {
        "enrolled": lambda: _("You are enrolled: %(title)s", title=title),
        "waitlisted": lambda: _("You are on the waiting list: %(title)s", title=title),
        "pending_approval": lambda: _("Waiting for your manager's approval: %(title)s", title=title),
        "promoted": lambda: _("A seat is yours: %(title)s", title=title),
        "approved": lambda: _("Your enrolment is approved: %(title)s", title=title),
        "rejected": lambda: _("Your enrolment was not approved: %(title)s", title=title),
        "cancelled": lambda: _("Your enrolment is cancelled: %(title)s", title=title),
        "reminder": lambda: _("Reminder: %(title)s starts soon", title=title),
    }
    return subjects[what]()


ENROLMENT_KINDS = {"enrolled", "waitlisted", "pending_approval", "promoted", "approved", "rejected", "cancelled",
                   "reminder"}


def notify_enrollment(enrollment, what, *, position=None):
    """Queue the email telling ``enrollment.person`` that their enrollment was ``what``.

    ``what`` is one of: enrolled, waitlisted, promoted, approved, rejected, cancelled,
    pending_approval, reminder. ``position`` is the person's place on the waiting list
    (the caller, which keeps the list, knows it: a number, or a scalar SQL expression
    that counts it). One outbox row in the caller's transaction, holding what the email
    is rendered from: the delivery task renders it (:func:`render_enrollment_email`)
    after commit, so a sign-up never waits for templates or calendars. Returns the row's
    ``(id, waitlist_position)``, None when no email is due.
    """
    person = enrollment.person
    if not person.email or what not in ENROLMENT_KINDS:
        return None
    # One INSERT, no unit of work: this runs inside every sign-up. ``position`` may be SQL
    # (the caller's count): the INSERT counts it and returns the number.
    table = OutboxEmail.__table__
    queued = db.session.execute(insert(table).values(
        person_id=person.id, enrollment_id=enrollment.id, kind=what, to_address=person.email,
        locale=_reader_locale(person), timezone=person.timezone, waitlist_position=position,
    ).returning(table.c.id, table.c.waitlist_position)).one()
    after_commit(dispatch, [queued.id])
    return queued


def retell(email_id, what, *, position=None):
    """Change what the queued email ``email_id`` (from :func:`notify_enrollment`, same
    transaction) tells: the enrolment turned out ``what``, at ``position``."""
    table = OutboxEmail.__table__
    db.session.execute(update(table).where(table.c.id == email_id, table.c.status == "queued")
                       .values(kind=what, waitlist_position=position))


def render_enrollment_email(email):
    """``(subject, body, attachments)`` of an enrolment email queued by
    :func:`notify_enrollment`: in the language and timezone of its reader, about the
    enrolment and its event as they are now. None when there is nothing to tell about
    any more (the person or the enrolment was deleted)."""
    enrollment, person = email.enrollment, email.person
    if enrollment is None or person is None or email.kind not in ENROLMENT_KINDS:
        return None
    event, what = enrollment.event, email.kind
    locale = email.locale if email.locale in current_app.config["LANGUAGES"] else _reader_locale(person)
    # In the recipient's language and timezone (lms.dates names the zone if it is not the app's).
    with dates.for_reader(locale, email.timezone or person.timezone):
        subject = _subject(what, event.full_title)
        body = render_template("notifications/enrollment.txt", what=what, person=person, event=event,
                               enrollment=enrollment, position=email.waitlist_position,
                               base_url=current_app.config.get("BASE_URL", "").rstrip("/"))
        attachments = []
        if what in WITH_CALENDAR and event.sessions:
            attachments.append({"filename": "event.ics", "mime": "text/calendar",
                                "content": event_calendar(event).decode()})
    return subject[:300], body, attachments


def render(email):
    """Fill in ``email``'s subject, body and attachments if they are not yet (an
    enrolment email); True when it has something to send."""
    if email.subject is not None and email.body is not None:
        return True
    rendered = render_enrollment_email(email)
    if rendered is None:
        return False
    email.subject, email.body, email.attachments = rendered
    return True


def dispatch(ids):
    """Hand committed outbox rows to the delivery task; never raises into the caller.

    Without a broker the task runs inline, so during a request it waits until the
    response has been sent: a slow or hanging mail server never delays a sign-up."""
    if not current_app.config.get("MAIL_ENABLED"):
        return
    if celery.conf.task_always_eager:
        return after_response(_deliver, ids)
    return _deliver(ids)


def _deliver(ids):
    for outbox_id in ids:
        try:
            deliver_outbox.delay(outbox_id)
        except Exception:  # noqa: BLE001 - a broker or SMTP failure must not break the request
            log.exception("could not hand email %s to delivery", outbox_id)


def _smtp_send(email):
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message.set_content(email.body)
    for item in email.attachments or []:
        maintype, subtype = item["mime"].split("/", 1)
        message.add_attachment(item["content"].encode(), maintype=maintype, subtype=subtype, filename=item["filename"])
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config.get("MAIL_TIMEOUT", 10)) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(message)


def send_one(outbox_id):
    """Render (enrolment emails, the first time) and try to send one outbox email, in a
    session of its own (it runs after the request's commit, or in a worker); True when
    sent, or when it never can be (marked failed)."""
    with OrmSession(db.engine) as session:
        email = session.get(OutboxEmail, outbox_id)
        if email is None or email.status == "sent":
            return True
        if not render(email):
            # The person or the enrolment is gone: nobody to tell, nothing to tell.
            email.status, email.last_error = "failed", "nothing to render: the person or the enrolment was deleted"
            session.commit()
            return True
        email.attempts += 1
        try:
            _smtp_send(email)
        except (OSError, smtplib.SMTPException) as exc:
            email.last_error = repr(exc)[:2000]
            if email.attempts >= MAX_ATTEMPTS:
                email.status = "failed"
            session.commit()
            log.warning("email %s not sent (attempt %s): %s", outbox_id, email.attempts, exc)
            return False
        email.status, email.sent_at, email.last_error = "sent", utcnow(), None
        session.commit()
        return True


@celery.task(bind=True, acks_late=True, max_retries=MAX_ATTEMPTS - 1, default_retry_delay=30)
def deliver_outbox(self, outbox_id):
    """Deliver one email; retried with growing delays while the mail server refuses."""
    if send_one(outbox_id):
        return True
    if current_app.config.get("CELERY_BROKER_URL"):
        raise self.retry(countdown=30 * (2 ** self.request.retries))
    return False  # eager mode: the row stays queued; `flask jobs send-outbox` retries it


def send_pending(limit=500):
    """Send queued emails (CLI, or a periodic job). Returns (sent, failed)."""
    ids = db.session.scalars(select(OutboxEmail.id).where(OutboxEmail.status == "queued")
                             .order_by(OutboxEmail.id).limit(limit)).all()
    # End this session's transaction before each email is sent in a session of its own:
    # on SQLite it holds the write lock (BEGIN IMMEDIATE) and send_one would wait for it.
    db.session.commit()
    sent = sum(1 for i in ids if send_one(i))
    return sent, len(ids) - sent
