"""The participation ledger: one row per enrollment that has taken part (a mark, or a
completion), with what API.md's counting rules need, so goal progress and the
dashboards read it instead of every attendance mark ever recorded.

A row is derived data: it is rewritten from the enrollment, its marks and its completion
in the same transaction as any change to them (:mod:`lms.goals.ledger`), and
``flask --app lms ledger rebuild`` recomputes it from scratch.
"""
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import db
from lms.types import UTCDateTime


class Participation(db.Model):
    """One enrollment's participation: what the counting rules read of it."""

    __tablename__ = "participation"

    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(Integer)
    # The enrollment's event's activity and programme (an activity never changes programme).
    programme_id: Mapped[int] = mapped_column(Integer)
    activity_id: Mapped[int] = mapped_column(Integer, index=True)
    # Snapshots as at enrolment (copied from the enrollment) and its order: the first
    # counted enrollment of a person is the first by (enrolled_at, enrollment_id).
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    job_function_id: Mapped[int | None] = mapped_column(Integer)
    organisation_id: Mapped[int | None] = mapped_column(Integer)
    gender: Mapped[str] = mapped_column(String(20))
    # Sessions marked present or late: the first and last start (None: never attended).
    first_attended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_attended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # All marks and the present-or-late ones (attendance rates).
    marks: Mapped[int] = mapped_column(Integer)
    attended_marks: Mapped[int] = mapped_column(Integer)
    completed_on: Mapped[date | None] = mapped_column()

    __table_args__ = (
        # Progress: a programme's rows, per person in enrolment order (the window).
        Index("ix_participation_programme_person", "programme_id", "person_id", "enrolled_at", "enrollment_id"),
        Index("ix_participation_programme_organisation", "programme_id", "organisation_id"),
        Index("ix_participation_programme_attended", "programme_id", "first_attended_at"),
    )
