"""Attendance marks per session and their audit trail."""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.types import UTCDateTime, utcnow

ATTENDANCE_STATUSES = {
    "present": _l("Present"),
    "late": _l("Late"),
    "absent": _l("Absent"),
    "excused": _l("Excused"),
}
ATTENDED = ("present", "late")


class Attendance(db.Model):
    __tablename__ = "attendance"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(ForeignKey("session.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10))
    minutes: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(Text)
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    enrollment = relationship("Enrollment")
    session = relationship("Session")
    marked_by = relationship("Person")

    __table_args__ = (
        UniqueConstraint("enrollment_id", "session_id", name="uq_attendance_enrollment_session"),
        CheckConstraint(f"status IN {tuple(ATTENDANCE_STATUSES)}", name="status"),
        CheckConstraint("minutes IS NULL OR minutes >= 0", name="minutes"),
    )

    @property
    def status_label(self):
        return ATTENDANCE_STATUSES.get(self.status, self.status)


class AttendanceChange(db.Model):
    """The audit trail: every change of a mark, who made it, when and why."""

    __tablename__ = "attendance_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("session.id", ondelete="CASCADE"), index=True)
    old_status: Mapped[str | None] = mapped_column(String(10))
    new_status: Mapped[str | None] = mapped_column(String(10))
    old_minutes: Mapped[int | None]
    new_minutes: Mapped[int | None]
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text)

    changed_by = relationship("Person")
