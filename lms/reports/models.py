"""Export jobs: a per-person or goal-table export, or a certificate zip, written by a
worker to a file under ``EXPORT_DIR``. The job's state lives here, in the database, so
any process on any host can show its progress and serve its file (the file itself is
never stored in the database)."""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.types import UTCDateTime, utcnow

EXPORT_STATUSES = {
    "queued": _l("Waiting to start"),
    "running": _l("Writing the file"),
    "done": _l("Ready"),
    "failed": _l("Failed"),
}
# What a job writes, and in which formats.
EXPORT_TABLES = {"participation": ("csv", "xlsx"), "goals": ("csv", "xlsx"), "certificates": ("zip",)}


class ExportJob(db.Model):
    """One export in the background: who asked, what, how far it has come, its file."""

    __tablename__ = "export_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    table: Mapped[str] = mapped_column(String(20))
    format: Mapped[str] = mapped_column(String(10))
    # The programme exported; NULL for a certificate zip (the certificates name their own).
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    rows_done: Mapped[int] = mapped_column(default=0)
    rows_total: Mapped[int] = mapped_column(default=0)
    # What the request decided (the viewer's organisation scope, the CSV delimiter, the
    # certificates of a zip): the worker reads no request.
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    locale: Mapped[str] = mapped_column(String(10), default="en")
    # The download's name, and the file's name inside EXPORT_DIR (random, not guessable).
    filename: Mapped[str] = mapped_column(String(200), default="")
    file: Mapped[str | None] = mapped_column(String(100))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    programme = relationship("Programme")
    created_by = relationship("Person")

    __table_args__ = (CheckConstraint(status.in_(list(EXPORT_STATUSES)), name="status"),)

    @property
    def status_label(self):
        return EXPORT_STATUSES.get(self.status, self.status)

    @property
    def running(self):
        return self.status in ("queued", "running")
