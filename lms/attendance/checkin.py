"""Self check-in: a session's rotating code (derived from the secret key, nothing stored),
its window, and marking oneself present with it."""
import hashlib
import hmac
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from lms import dates
from lms.attendance.marking import ensure_open, record_mark
from lms.errors import ValidationError
from lms.extensions import db
from lms.types import utcnow

CHECKIN_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: easy to read aloud and type
CHECKIN_LENGTH = 6
CHECKIN_SLOT_SECONDS = 300
CHECKIN_OPENS_BEFORE = timedelta(minutes=30)


def _slot(at):
    return int(at.timestamp()) // CHECKIN_SLOT_SECONDS


def _code_for(session_id, slot):
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, f"checkin:{session_id}:{slot}".encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest[:8], "big")
    chars = []
    for _i in range(CHECKIN_LENGTH):
        number, index = divmod(number, len(CHECKIN_ALPHABET))
        chars.append(CHECKIN_ALPHABET[index])
    return "".join(chars)


def check_in_code(session, at=None):
    """The session's current check-in code. It changes every 5 minutes and is derived
    from the secret key, so nothing is stored; the previous code is accepted too."""
    return _code_for(session.id, _slot(at or utcnow()))


def code_expires_at(at=None):
    """When the current code stops being shown (it is still accepted one slot longer)."""
    at = at or utcnow()
    return datetime.fromtimestamp((_slot(at) + 1) * CHECKIN_SLOT_SECONDS, tz=at.tzinfo)


def normalise_code(code):
    """A typed code as stored: upper case, letters and digits only (spaces, dashes dropped)."""
    return "".join(ch for ch in str(code or "").upper() if ch.isalnum())


def _code_matches(session, code, at):
    slot = _slot(at)
    return any(hmac.compare_digest(code, _code_for(session.id, s)) for s in (slot, slot - 1))


def check_in_window(session):
    """(opens, closes): from 30 minutes before the start until the end."""
    return session.starts_at - CHECKIN_OPENS_BEFORE, session.ends_at


def in_window(session, at):
    """True when ``at`` falls in the session's check-in window."""
    opens, closes = check_in_window(session)
    return opens <= at <= closes


def check_in(person, code, *, session=None, now=None):
    """Mark ``person`` present on a session by its current code (self check-in).

    ``session`` is known when the QR code was scanned; a typed code is looked up among
    the sessions open for check-in now. Returns ``(mark, created)``; an existing mark
    is left as it is (``created`` False). Raises ValidationError with a clear message
    for a wrong or expired code, a closed window, or a person not enrolled.
    """
    from lms.catalog.models import Session
    from lms.enrollment.models import Enrollment

    now = now or utcnow()
    code = normalise_code(code)
    if len(code) != CHECKIN_LENGTH or any(ch not in CHECKIN_ALPHABET for ch in code):
        raise ValidationError(
            _("A check-in code has %(n)s letters and digits.", n=CHECKIN_LENGTH),
            fields={"code": [_("A check-in code has %(n)s letters and digits.", n=CHECKIN_LENGTH)]},
        )
    if session is not None:
        if not in_window(session, now):
            opens, closes = check_in_window(session)
            message = _(
                "Check-in for this session is open from %(opens)s to %(closes)s.",
                opens=dates.moment(opens), closes=dates.moment(closes),
            )
            raise ValidationError(message, code="outside_window", fields={"code": [message]})
        if not _code_matches(session, code, now):
            message = _("This code is wrong or has expired. Ask the trainer for the code shown now.")
            raise ValidationError(message, code="invalid_code", fields={"code": [message]})
        candidates = [session]
    else:
        open_now = db.session.scalars(
            select(Session).where(Session.starts_at <= now + CHECKIN_OPENS_BEFORE, Session.ends_at >= now)
        ).all()
        candidates = [s for s in open_now if _code_matches(s, code, now)]
        if not candidates:
            message = _(
                "This code is wrong or has expired, or no session is open for check-in now "
                "(check-in opens 30 minutes before a session starts and closes when it ends)."
            )
            raise ValidationError(message, code="invalid_code", fields={"code": [message]})
    for candidate in candidates:
        enrollment = db.session.scalar(
            select(Enrollment).where(
                Enrollment.event_id == candidate.event_id,
                Enrollment.person_id == person.id,
                Enrollment.status == "enrolled",
            )
        )
        if enrollment is None:
            continue
        ensure_open(candidate.event)
        mark, created = record_mark(
            candidate, enrollment, "present", None, None, person, _("Self check-in"), only_if_unmarked=True
        )
        return mark, created
    message = _("You are not enrolled in this session's event, so you cannot check in. Ask the trainer.")
    raise ValidationError(message, code="not_enrolled", fields={"code": [message]})
