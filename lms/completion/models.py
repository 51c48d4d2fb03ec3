"""Completions produced by a kind's rule when an event is finalized."""
from datetime import date, datetime

from sqlalchemy import ForeignKey, Numeric
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.types import UTCDateTime, utcnow


class Completion(db.Model):
    __tablename__ = "completion"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id", ondelete="CASCADE"), unique=True)
    completed_on: Mapped[date]
    hours: Mapped[float] = mapped_column(Numeric(8, 2, asdecimal=False), default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    enrollment = relationship("Enrollment")
