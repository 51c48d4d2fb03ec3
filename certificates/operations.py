"""Issuing, revoking, reissuing and verifying certificates; bulk issue per event.

A certificate is rendered once, in the holder's language, and stored with its SHA-256;
downloads return those bytes. One valid certificate per completion (a partial unique
index); a correction revokes the old one and links the new one. Operations flush; the
request, CLI command or task commits.
"""
import hashlib
import io
import zipfile
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale, format_decimal
from flask_babel import gettext as _
from sqlalchemy import exists, func, or_, select
from sqlalchemy.exc import IntegrityError

from certificates import render
from certificates.codes import new_code, normalize
from certificates.models import Certificate, CertificateBatch, CertificateFailure
from lms import dates
from lms.auth import policy
from lms.errors import Conflict, ValidationError
from lms.extensions import db
from lms.jobs import after_commit
from lms.types import utcnow

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# At most this many certificates in one zip (above CERTIFICATE_ZIP_JOB_THRESHOLD it is written as a job).
ZIP_LIMIT = 5000
WITHDRAWN_REASON = "The completion was withdrawn when the event was finalized again."


# --- rendering ----------------------------------------------------------------------------

def _timezone(person):
    try:
        return ZoneInfo(person.timezone or current_app.config.get("BABEL_DEFAULT_TIMEZONE", "UTC"))
    except Exception:  # noqa: BLE001 - an unknown zone name must not stop a certificate
        return ZoneInfo("UTC")


def verify_url(code):
    """The public address printed (and QR-encoded) on a certificate."""
    return f"{current_app.config.get('BASE_URL', '').rstrip('/')}/verify/{code}"


def _snapshot(completion):
    """What the certificate states, as plain data (also kept for the verify page)."""
    enrollment = completion.enrollment
    event = enrollment.event
    activity = event.activity
    programme = activity.programme
    person = enrollment.person
    organisation = enrollment.organisation or person.organisation
    tz = _timezone(person)
    return {
        "holder_name": person.name,
        "organisation_name": organisation.name if organisation else "",
        "activity_title": activity.title,
        "event_title": event.title or "",
        "programme_name": programme.name if programme else "",
        "issuer_name": (programme.issuer_name if programme else None) or (programme.name if programme else "") or "Brobygger",
        "signer_name": (programme.signer_name if programme else None) or "",
        "signer_title": (programme.signer_title if programme else None) or "",
        "starts_on": event.starts_at.astimezone(tz).date().isoformat() if event.starts_at else None,
        "ends_on": event.ends_at.astimezone(tz).date().isoformat() if event.ends_at else None,
        "completed_on": completion.completed_on.isoformat() if completion.completed_on else None,
        "hours": float(completion.hours or 0),
        "minutes": int(completion.minutes or 0),
        "sessions_attended": int(completion.sessions_attended or 0),
    }


def _kind_lines(kind, completion):
    if kind is None:
        return []
    try:
        lines = kind.certificate_lines(completion)
    except NotImplementedError:
        return []
    return [str(line) for line in (lines or [])]


def build(completion, code, issued_at):
    """``(context, details)`` for a completion's certificate, in the holder's language.

    ``context`` feeds the sandboxed template (strings only); ``details`` is stored."""
    from lms.plugins import registry

    activity = completion.enrollment.event.activity
    person = completion.enrollment.person
    kind = registry.find(activity.kind)
    details = _snapshot(completion)
    locale = person.locale if person.locale in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]
    with dates.for_reader(locale, _timezone(person)):
        details["lines"] = _kind_lines(kind, completion)
        url = verify_url(code)
        context = {
            "locale": locale,
            "kind": activity.kind,
            "kind_label": str(kind.label) if kind else activity.kind,
            "code": code,
            "holder_name": details["holder_name"],
            "organisation_name": details["organisation_name"],
            "activity_title": details["activity_title"],
            "programme_name": details["programme_name"],
            "issuer_name": details["issuer_name"],
            "signer_name": details["signer_name"],
            "signer_title": details["signer_title"],
            "lines": details["lines"],
            "hours": format_decimal(details["hours"], "#,##0.00"),
            "issued_on": dates.day(issued_at),
            "verify_url": url,
            "qr": render.qr_data_uri(url),
            "logo": _logo_data_uri(activity.programme),
        }
    return context, details, locale


def _logo_data_uri(programme):
    """The programme's logo as a ``data:`` URI (the only images the URL fetcher lets in)."""
    import base64

    if programme is None or not programme.logo_mime or not programme.logo:
        return None
    return f"data:{programme.logo_mime};base64," + base64.b64encode(programme.logo).decode()


def _render(kind, context, locale):
    with force_locale(locale):
        return render.render_pdf(kind, context)[1]


# --- issuing ------------------------------------------------------------------------------

def valid_certificate(completion_id):
    """The completion's valid (not revoked) certificate, or None."""
    return db.session.scalar(
        select(Certificate).where(Certificate.completion_id == completion_id, Certificate.revoked_at.is_(None))
    )


def _new_unique_code():
    while True:  # 80 bits: a clash is practically impossible, but cheap to rule out
        code = new_code()
        if not db.session.scalar(select(exists().where(Certificate.code == code))):
            return code


def issue(completion, *, by=None):
    """The completion's valid certificate, issuing (rendering and storing) it when there
    is none. Idempotent: calling it again returns the same certificate."""
    existing = valid_certificate(completion.id)
    if existing is not None:
        return existing
    return _issue_new(completion, by=by)


def _issue_new(completion, *, by=None):
    enrollment = completion.enrollment
    event = enrollment.event
    earlier = db.session.scalar(select(func.count()).select_from(Certificate).where(Certificate.completion_id == completion.id))
    issued_at = utcnow()
    code = _new_unique_code()
    context, details, locale = build(completion, code, issued_at)
    pdf = _render(event.activity.kind, context, locale)
    certificate = Certificate(
        code=code, completion_id=completion.id, person_id=enrollment.person_id,
        organisation_id=enrollment.organisation_id or enrollment.person.organisation_id,
        programme_id=event.activity.programme_id, activity_id=event.activity_id, event_id=event.id,
        kind=event.activity.kind, locale=locale, details=details, issued_at=issued_at,
        issued_by_id=getattr(by, "id", None), sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf), pdf=pdf,
        idempotency_key=f"{completion.id}:{earlier}",
    )
    db.session.add(certificate)
    db.session.flush()
    return certificate


def _require_reason(reason):
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason:
        raise ValidationError(_("Give a reason."), fields={"reason": [_("A reason is required.")]})
    return reason[:2000]


def revoke(certificate, *, by, reason):
    """Revoke a valid certificate with a reason (shown on the verify page).
    A revoked certificate answers 409 ``certificate_revoked``."""
    reason = _require_reason(reason)
    if certificate.revoked_at is not None:
        raise Conflict(_("This certificate is already revoked."), code="certificate_revoked")
    certificate.revoked_at = utcnow()
    certificate.revoked_by_id = getattr(by, "id", None)
    certificate.revoke_reason = reason
    db.session.flush()
    return certificate


def reissue(certificate, *, by, reason):
    """After a correction (e.g. a misspelt name): revoke ``certificate`` and issue a new
    one from the current data, linked from the old one. Returns the new certificate."""
    reason = _require_reason(reason)
    if certificate.revoked_at is not None:
        raise Conflict(_("This certificate is revoked; reissue its replacement instead."), code="certificate_revoked")
    if certificate.completion is None:
        raise Conflict(_("The completion behind this certificate no longer exists."), code="conflict")
    revoke(certificate, by=by, reason=reason)
    new = _issue_new(certificate.completion, by=by)
    certificate.replaced_by_id = new.id
    db.session.flush()
    return new


def pdf_for_download(certificate):
    """The stored PDF bytes (never re-rendered); 409 ``certificate_revoked`` when revoked."""
    if certificate.revoked_at is not None:
        raise Conflict(_("This certificate was revoked and cannot be downloaded."), code="certificate_revoked")
    return certificate.pdf


def filename(certificate):
    """The certificate's download name: holder, activity and code."""
    return f"certificate-{certificate.code}.pdf"


# --- bulk issue -----------------------------------------------------------------------------

def _event_completions(event_id):
    from lms.completion.models import Completion
    from lms.enrollment.models import Enrollment

    return select(Completion).join(Enrollment, Enrollment.id == Completion.enrollment_id).where(
        Enrollment.event_id == event_id
    )


def missing_completions(event_id):
    """Completions of the event without a valid certificate."""
    from lms.completion.models import Completion

    has_valid = exists().where(Certificate.completion_id == Completion.id, Certificate.revoked_at.is_(None))
    return db.session.scalars(_event_completions(event_id).where(~has_valid).order_by(Completion.id)).all()


def start_batch(event, *, by=None):
    """The event's unfinished batch, or a new one counting what is left to issue."""
    batch = db.session.scalar(
        select(CertificateBatch).where(CertificateBatch.event_id == event.id, CertificateBatch.status != "finished")
        .order_by(CertificateBatch.id.desc())
    )
    if batch is not None:
        return batch
    count = db.session.scalar(select(func.count()).select_from(CertificateBatch).where(CertificateBatch.event_id == event.id))
    batch = CertificateBatch(event_id=event.id, key=f"event-{event.id}-{count + 1}", status="queued",
                             total=len(missing_completions(event.id)), created_by_id=getattr(by, "id", None))
    db.session.add(batch)
    db.session.flush()
    return batch


def refresh_progress(batch):
    """Set the batch's counters from what the database holds, never by adding up what
    each run did: two workers running the same batch (a redelivered task, a re-queued
    stale batch) cannot count a certificate twice, so ``done`` never exceeds ``total``.

    Still open: the event's completions without a valid certificate that this batch has
    not failed on; failed: those it has failed on; issued: the rest of ``total``."""
    from lms.completion.models import Completion

    has_valid = exists().where(Certificate.completion_id == Completion.id, Certificate.revoked_at.is_(None))
    missing = _event_completions(batch.event_id).where(~has_valid).with_only_columns(Completion.id)
    failed_ids = select(CertificateFailure.completion_id).where(
        CertificateFailure.batch_id == batch.id, CertificateFailure.completion_id.is_not(None))

    def count(query):
        return db.session.scalar(select(func.count()).select_from(query.subquery()))

    failed = count(missing.where(Completion.id.in_(failed_ids)))
    still_open = count(missing.where(Completion.id.not_in(failed_ids)))
    batch.total = max(batch.total or 0, still_open + failed)
    batch.failed = failed
    batch.skipped = 0
    batch.issued = batch.total - still_open - failed
    return batch


def last_activity(batch):
    """When the batch last showed a sign of life: started, issued a certificate of its
    event, or recorded a failure (its heartbeat, from facts a worker writes anyway)."""
    since = batch.started_at or batch.created_at
    times = [batch.started_at, batch.created_at]
    if since is not None:
        times.append(db.session.scalar(select(func.max(Certificate.issued_at)).where(
            Certificate.event_id == batch.event_id, Certificate.issued_at >= since)))
    times.append(db.session.scalar(select(func.max(CertificateFailure.at)).where(CertificateFailure.batch_id == batch.id)))
    return max((t for t in times if t is not None), default=None)


def visibility_timeout():
    """Seconds after which a batch without a sign of life counts as abandoned
    (``CELERY_VISIBILITY_TIMEOUT``, also the broker's redelivery delay)."""
    return int(current_app.config.get("CELERY_VISIBILITY_TIMEOUT", 600))


def is_stale(batch, now=None, timeout=None):
    """True when an unfinished batch shows no sign of life for longer than the
    visibility timeout: its worker died (or its message was lost) and it may be queued
    again. Running it twice is safe (see :func:`run_batch`, :func:`refresh_progress`)."""
    from datetime import timedelta

    if batch is None or batch.status == "finished":
        return False
    now = now or utcnow()
    timeout = visibility_timeout() if timeout is None else timeout
    last = last_activity(batch)
    return last is None or last < now - timedelta(seconds=timeout)


def requeue_stale(now=None, timeout=None):
    """Queue again every unfinished batch that :func:`is_stale`; returns them."""
    stale = [b for b in db.session.scalars(select(CertificateBatch).where(CertificateBatch.status != "finished")
                                           .order_by(CertificateBatch.id))
             if is_stale(b, now, timeout)]
    for batch in stale:
        current_app.logger.warning("certificate batch %s shows no progress; queued again", batch.id)
        queue_batch(batch)
    return stale


def run_batch(batch_id, *, commit=False, progress=None):
    """Issue every missing certificate of the batch's event.

    Each certificate is issued in a savepoint: one that fails is recorded on the batch
    and the others go on. With ``commit`` (worker, CLI) every certificate is committed
    at once, so the progress page moves and a killed worker loses at most the one in
    flight; run again (a redelivered task), it skips what exists. The counters are
    recomputed from the database after each certificate (:func:`refresh_progress`), so
    a second worker on the same batch never inflates them. ``progress(batch)`` is called
    after each certificate. Returns the batch.
    """
    batch = db.session.get(CertificateBatch, batch_id)
    if batch is None or batch.status == "finished":
        return batch
    todo = missing_completions(batch.event_id)
    if batch.status == "queued":
        batch.status, batch.started_at = "running", utcnow()
    refresh_progress(batch)
    db.session.flush()
    if commit:
        db.session.commit()
    for completion in todo:
        completion_id = completion.id
        try:
            with db.session.begin_nested():
                if valid_certificate(completion_id) is None:
                    _issue_new(completion, by=batch.created_by)
                    outcome = "issued"
                else:
                    outcome = "skipped"
        except IntegrityError:
            # Another worker issued it in the meantime: the unique index holds.
            outcome = "skipped"
        except Exception as exc:  # noqa: BLE001 - one failing certificate must not stop the batch
            current_app.logger.exception("certificate for completion %s failed", completion_id)
            db.session.add(CertificateFailure(batch_id=batch.id, completion_id=completion_id,
                                              message=f"{type(exc).__name__}: {exc}"[:2000]))
            outcome = "failed"
        current_app.logger.debug("batch %s, completion %s: %s", batch.id, completion_id, outcome)
        db.session.flush()
        refresh_progress(batch)
        db.session.flush()
        if commit:
            db.session.commit()
        if progress is not None:
            progress(batch)
    refresh_progress(batch)
    batch.status, batch.finished_at = "finished", utcnow()
    db.session.flush()
    if commit:
        db.session.commit()
    return batch


def _eager():
    from lms.extensions import celery

    return bool(celery.conf.task_always_eager)


def codes_for(completion_ids):
    """``{completion_id: code}`` of valid certificates (transcripts, finalize answers)."""
    ids = [i for i in completion_ids if i is not None]
    if not ids:
        return {}
    rows = db.session.execute(
        select(Certificate.completion_id, Certificate.code)
        .where(Certificate.completion_id.in_(ids), Certificate.revoked_at.is_(None))
    )
    return dict(rows.all())


# --- receivers of the core's signals (connected per app in certificates.init_app) ----------

def on_event_finalized(sender, *, event, outcome):
    """Receiver of :data:`lms.signals.event_finalized`: issue the event's missing
    certificates (inline without a broker, else as a job after the commit) and add the
    valid codes to the finalize answer."""
    if not outcome.completions:
        return
    ids = [c.id for c in outcome.completions]
    if missing_completions(event.id):
        batch = start_batch(event)
        queue_batch(batch)
        outcome.batch_id = batch.id
    codes = codes_for(ids)
    outcome.certificates.extend(codes[i] for i in ids if i in codes and codes[i] not in outcome.certificates)


def on_completion_withdrawn(sender, *, completion):
    """Receiver of :data:`lms.signals.completion_withdrawn`: a re-finalize removed the
    completion, so its certificate is revoked."""
    certificate = valid_certificate(completion.id)
    if certificate is not None:
        certificate.revoked_at = utcnow()
        certificate.revoke_reason = WITHDRAWN_REASON
        db.session.flush()


def on_certificate_codes(sender, *, completion_ids):
    """Receiver of the query :data:`lms.signals.certificate_codes`: ``{completion_id:
    code}`` of the valid certificates."""
    return codes_for(completion_ids)


def queue_batch(batch):
    """Hand a batch to the worker after the current transaction commits (inline without
    a broker, i.e. now)."""
    if _eager():
        return run_batch(batch.id)
    # If queueing fails (broker down), the batch stays queued and its page offers to run it.
    after_commit(_send_batch, batch.id)
    return batch


def _send_batch(batch_id):
    from certificates.tasks import issue_batch

    issue_batch.apply_async(args=[batch_id])


# --- finding, listing, verifying -------------------------------------------------------------

def find(code):
    """The certificate with this code (any case, dashes optional), or None."""
    code = normalize(code)
    if code is None:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == code))


def match_upload(data):
    """Tamper check: the certificate whose stored bytes are exactly ``data``, or None."""
    digest = hashlib.sha256(data).hexdigest()
    return db.session.scalar(select(Certificate).where(Certificate.sha256 == digest).order_by(Certificate.id))


def verification(certificate):
    """The public answer of ``GET /api/v1/verify/<code>``: no personal data but the name."""
    return {
        "valid": certificate.revoked_at is None,
        "holder_name": certificate.holder_name,
        "activity_title": certificate.activity_title,
        "issued_on": certificate.issued_at.date().isoformat(),
        "revoked": certificate.revoked_at is not None,
        "sha256": certificate.sha256,
        "replaced_by": certificate.replaced_by.code if certificate.replaced_by is not None else None,
    }


def visible(user, *, person_id=None, organisation_id=None, event_id=None, status=None, q=None):
    """A select() of the certificates ``user`` may see, newest first, filtered."""
    from lms.auth import roles
    from lms.people.models import Person

    query = select(Certificate).join(Person, Person.id == Certificate.person_id)
    visible = policy.visible_certificates_clause(user)
    if visible is not None:
        query = query.where(visible)
    if person_id is not None:
        query = query.where(Certificate.person_id == person_id)
    if organisation_id is not None:
        query = query.where(Certificate.organisation_id == organisation_id)
    if event_id is not None:
        query = query.where(Certificate.event_id == event_id)
    if status == "valid":
        query = query.where(Certificate.revoked_at.is_(None))
    elif status == "revoked":
        query = query.where(Certificate.revoked_at.is_not(None))
    if q:
        needle = f"%{q.strip().lower()}%"
        query = query.where(or_(func.lower(Person.name).like(needle), func.lower(Certificate.code).like(needle)))
    return query.order_by(Certificate.issued_at.desc(), Certificate.id.desc())


def zip_of(certificates):
    """A zip of the valid certificates' stored PDFs (revoked ones are left out)."""
    buffer = io.BytesIO()
    count = write_zip(certificates, buffer)
    return buffer.getvalue(), count


def write_zip(certificates, target, progress=None):
    """Write a zip of the valid certificates' stored PDFs to the file object ``target``
    (revoked ones are left out); ``progress()`` is called after each certificate looked
    at. Returns how many PDFs it holds."""
    count = 0
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for certificate in certificates:
            if certificate.revoked_at is None:
                name = f"{_safe(certificate.holder_name)}-{certificate.code}.pdf"
                info = zipfile.ZipInfo(name, date_time=certificate.issued_at.timetuple()[:6])
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, certificate.pdf)
                count += 1
            if progress is not None:
                progress()
    return count


def stream_by_ids(ids, chunk=100):
    """The certificates with these ids, in that order, their PDFs loaded a chunk at a
    time (the session's identity map holds them weakly: a zip of thousands never holds
    every PDF in memory)."""
    from sqlalchemy.orm import undefer

    ids = list(ids)
    for start in range(0, len(ids), chunk):
        part = ids[start:start + chunk]
        found = {c.id: c for c in db.session.scalars(
            select(Certificate).where(Certificate.id.in_(part)).options(undefer(Certificate.pdf)))}
        for certificate_id in part:
            if certificate_id in found:
                yield found[certificate_id]


def _safe(name):
    keep = "".join(c if c.isalnum() or c in " -_" else "_" for c in (name or ""))
    return "-".join(keep.split())[:60] or "certificate"


def as_json(certificate):
    """The API representation (API.md)."""
    from flask import url_for

    return {
        "code": certificate.code,
        "person_id": certificate.person_id,
        "activity_id": certificate.activity_id,
        "event_id": certificate.event_id,
        "issued_at": certificate.issued_at.isoformat(),
        "locale": certificate.locale,
        "sha256": certificate.sha256,
        "revoked_at": certificate.revoked_at.isoformat() if certificate.revoked_at else None,
        "replaced_by": certificate.replaced_by.code if certificate.replaced_by is not None else None,
        "pdf_url": url_for("api.certificate_pdf", code=certificate.code),
    }


def event_certificates(event_id):
    """The event's certificates, valid and revoked, by holder."""
    return db.session.scalars(
        select(Certificate).where(Certificate.event_id == event_id).order_by(Certificate.issued_at, Certificate.id)
    ).all()


def batches_of(event_id, limit=10):
    """The event's latest certificate batches, newest first."""
    return db.session.scalars(
        select(CertificateBatch).where(CertificateBatch.event_id == event_id)
        .order_by(CertificateBatch.id.desc()).limit(limit)
    ).all()
