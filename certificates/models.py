"""Certificates (issued once, immutable PDF bytes with their SHA-256), the batches that
issue them for an event, and the certificates a batch could not issue."""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from lms.extensions import db
from lms.types import UTCDateTime, utcnow

BATCH_STATUSES = {
    "queued": _l("Waiting to start"),
    "running": _l("Issuing"),
    "finished": _l("Finished"),
}


class Certificate(db.Model):
    """One issued certificate. The PDF is rendered once and never changed; a correction
    revokes it and issues a new one (``replaced_by``)."""

    __tablename__ = "certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Shown grouped "XXXX-XXXX-XXXX-XXXX" (Crockford base32, 80 random bits).
    code: Mapped[str] = mapped_column(String(19), unique=True)
    # The completion it certifies; kept NULL when a re-finalize withdrew the completion
    # (the certificate is then revoked but still verifiable).
    completion_id: Mapped[int | None] = mapped_column(ForeignKey("completion.id", ondelete="SET NULL"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    # The holder's organisation at enrolment (managers see their organisations' certificates).
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"), index=True)
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programme.id", ondelete="SET NULL"), index=True)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activity.id", ondelete="SET NULL"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    locale: Mapped[str] = mapped_column(String(5))
    # What the PDF says (holder, activity, dates, hours, issuer): the verify page shows
    # this, so later renames do not change what a certificate is said to contain.
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(default=0)
    pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    # "<completion id>:<n>" where n counts earlier certificates of the completion: a
    # retried task finds its own row instead of issuing a second one.
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id", ondelete="SET NULL"))

    person = relationship("Person", foreign_keys=[person_id])
    organisation = relationship("Organisation")
    programme = relationship("Programme")
    activity = relationship("Activity")
    event = relationship("Event")
    completion = relationship("Completion")
    revoked_by = relationship("Person", foreign_keys=[revoked_by_id])
    issued_by = relationship("Person", foreign_keys=[issued_by_id])
    replaced_by = relationship("Certificate", remote_side=[id], foreign_keys=[replaced_by_id])

    __table_args__ = (
        # One valid certificate per completion, enforced by the database.
        Index(
            "uq_certificate_valid_completion",
            "completion_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
        CheckConstraint("length(sha256) = 64", name="sha256"),
    )

    @property
    def revoked(self):
        return self.revoked_at is not None

    @property
    def valid(self):
        return self.revoked_at is None

    @property
    def holder_name(self):
        return (self.details or {}).get("holder_name") or (self.person.name if self.person else "")

    @property
    def activity_title(self):
        return (self.details or {}).get("activity_title", "")

    @property
    def replaces(self):
        """The certificate this one replaced (a reissue), if any."""
        from sqlalchemy import select

        return db.session.scalar(select(Certificate).where(Certificate.replaced_by_id == self.id))


class CertificateBatch(db.Model):
    """Issuing the certificates of one event (a background job); its progress row."""

    __tablename__ = "certificate_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    # The job's idempotency key: a redelivered task finds its batch and resumes it.
    key: Mapped[str] = mapped_column(String(80), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    total: Mapped[int] = mapped_column(default=0)
    issued: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))

    event = relationship("Event")
    created_by = relationship("Person")
    failures = relationship("CertificateFailure", back_populates="batch", cascade="all, delete-orphan",
                            order_by="CertificateFailure.id")

    __table_args__ = (CheckConstraint(status.in_(list(BATCH_STATUSES)), name="status"),)

    @property
    def status_label(self):
        return BATCH_STATUSES.get(self.status, self.status)

    @property
    def done(self):
        return self.issued + self.skipped + self.failed

    @property
    def running(self):
        return self.status != "finished"


class CertificateFailure(db.Model):
    """A certificate a batch could not issue, and why (the others go on)."""

    __tablename__ = "certificate_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("certificate_batch.id", ondelete="CASCADE"), index=True)
    completion_id: Mapped[int | None] = mapped_column(ForeignKey("completion.id", ondelete="SET NULL"))
    message: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    batch = relationship("CertificateBatch", back_populates="failures")
    completion = relationship("Completion")
