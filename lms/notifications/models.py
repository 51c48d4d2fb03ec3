"""The email outbox and personal calendar feed tokens."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.types import UTCDateTime, utcnow


class OutboxEmail(db.Model):
    """An email written in the same transaction as the change it tells about.

    An email about an enrolment is stored as what happened (``kind``, the enrolment, the
    waiting-list place, the reader's locale and timezone): the delivery task renders its
    subject, body and .ics when it sends, and keeps them here. Other emails (feedback)
    come written."""

    __tablename__ = "email_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    enrollment_id: Mapped[int | None] = mapped_column(ForeignKey("enrollment.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    to_address: Mapped[str] = mapped_column(String(254))
    # What the delivery task renders an enrolment email from: the reader's language and
    # timezone when it was queued, and their place on the waiting list then.
    locale: Mapped[str | None] = mapped_column(String(10))
    timezone: Mapped[str | None] = mapped_column(String(60))
    waitlist_position: Mapped[int | None] = mapped_column()
    # None until rendered (enrolment emails: by the delivery task).
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str | None] = mapped_column(Text)
    # [{"filename", "mime", "content" (text)}]; .ics files are text.
    attachments: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person = relationship("Person")
    enrollment = relationship("Enrollment")

    __table_args__ = (Index("ix_email_outbox_status", "status"),)


class CalendarToken(db.Model):
    """A private, revocable token for a person's calendar subscription (only its hash is kept)."""

    __tablename__ = "calendar_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The plain token is shown to its owner only; keep the last 4 characters to recognise it.
    hint: Mapped[str] = mapped_column(String(8), default="")
