"""Completions produced by a kind's rule when an event is finalized, the reasons why
not, and the record of every finalize and reopen."""
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.types import UTCDateTime, utcnow

FINALIZATION_ACTIONS = {"finalized": _l("Finalized"), "reopened": _l("Reopened")}


class Completion(db.Model):
    """An enrollment that met its kind's rule. One per enrollment."""

    __tablename__ = "completion"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id", ondelete="CASCADE"), unique=True)
    completed_on: Mapped[date]
    hours: Mapped[float] = mapped_column(Numeric(8, 2, asdecimal=False), default=0)
    # Exact credited time; ``hours`` is this divided by 60, rounded to 2 decimals.
    minutes: Mapped[int] = mapped_column(default=0, server_default="0")
    sessions_attended: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    enrollment = relationship("Enrollment")


class NonCompletion(db.Model):
    """Why an enrollment did not complete, as decided at the last finalize."""

    __tablename__ = "non_completion"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id", ondelete="CASCADE"), unique=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    minutes: Mapped[int] = mapped_column(default=0)
    sessions_attended: Mapped[int] = mapped_column(default=0)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    enrollment = relationship("Enrollment")


class Finalization(db.Model):
    """The audit record of an event's finalize and reopen actions."""

    __tablename__ = "finalization"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(10))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text)
    # On "finalized": the event's status before it (a reopen returns to it).
    previous_status: Mapped[str | None] = mapped_column(String(20))

    event = relationship("Event")
    by = relationship("Person")

    __table_args__ = (CheckConstraint(action.in_(list(FINALIZATION_ACTIONS)), name="action"),)

    @property
    def action_label(self):
        return FINALIZATION_ACTIONS.get(self.action, self.action)
