"""Certificate pages: public verification and tamper check, my certificates, managers'
lists with zip download, downloads, revoke/reissue, an event's bulk issue and progress."""
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from certificates import operations
from certificates.codes import normalize
from certificates.forms import CodeForm, FilterForm, IssueForm, ReasonForm, UploadForm, ZipForm
from certificates.models import Certificate, CertificateBatch
from certificates.ratelimit import hit
from lms.auth import policy
from lms.catalog.models import Event
from lms.downloads import download_headers, pdf_response
from lms.extensions import db
from lms.web import round_trip, can, get_or_404, paginate, require

bp = Blueprint("certificates", __name__, template_folder="templates")


def _certificate_or_404(code):
    certificate = operations.find(code)
    if certificate is None:
        abort(404)
    return certificate


# --- public ----------------------------------------------------------------------------------

def _verify_index(upload_form=None, result=None, checked=False, status=200):
    return render_template(
        "certificates/verify_index.html", code_form=CodeForm(formdata=None), upload_form=upload_form or UploadForm(formdata=None),
        result=result, checked=checked,
    ), status


@bp.route("/verify", methods=["GET"])
def verify_index():
    code = request.args.get("code")
    if code is not None and not code.strip():
        form = CodeForm(request.args)
        form.code.errors = [_("Enter the code printed on the certificate, for example ABCD-EFGH-JKMN-PQRS.")]
        return render_template("certificates/verify_index.html", code_form=form, upload_form=UploadForm(formdata=None),
                               result=None, checked=False), 422
    if code:
        normal = normalize(code)
        if normal:
            return redirect(url_for(".verify", code=normal))
        form = CodeForm(request.args)
        form.validate()
        form.code.errors = list(form.code.errors) + [_("This is not a certificate code. Codes have 16 letters and digits.")]
        return render_template("certificates/verify_index.html", code_form=form, upload_form=UploadForm(formdata=None),
                               result=None, checked=False), 422
    return _verify_index()


@bp.route("/verify", methods=["POST"])
def verify_upload():
    """Tamper check: is the uploaded file byte-identical to an issued certificate?"""
    hit()
    request.max_content_length = operations.MAX_UPLOAD_BYTES + 64 * 1024
    try:
        form = UploadForm()
        valid = form.validate()
    except RequestEntityTooLarge:
        form = UploadForm(formdata=None)
        form.pdf.errors = [_("The file is larger than 5 MB, so it is not one of our certificates.")]
        return _verify_index(form, status=413)
    if not valid:
        return _verify_index(form, status=422)
    data = form.pdf.data.read(operations.MAX_UPLOAD_BYTES + 1)
    if len(data) > operations.MAX_UPLOAD_BYTES:
        form.pdf.errors = [_("The file is larger than 5 MB, so it is not one of our certificates.")]
        return _verify_index(form, status=413)
    return _verify_index(form, result=operations.match_upload(data), checked=True)


@bp.route("/verify/<code>")
def verify(code):
    hit()
    certificate = operations.find(code)
    if certificate is None:
        return render_template("certificates/verify_unknown.html", code=code[:40]), 404
    return render_template("certificates/verify.html", certificate=certificate)


# --- signed in -----------------------------------------------------------------------------

@bp.route("/me/certificates")
@login_required
def mine():
    require("certificate.mine")
    page = paginate(operations.visible(current_user, person_id=current_user.id))
    return render_template("certificates/mine.html", page=page)


def _organisation_choices():
    from lms.people.models import Organisation

    query = select(Organisation).order_by(Organisation.name)
    overseen = policy.overseen_organisations_clause(current_user)
    if overseen is not None:
        query = query.where(overseen)
    return [("", _("All"))] + [(str(o.id), o.name) for o in db.session.scalars(query)]


def _filtered(form):
    organisation_id = form.organisation_id.data
    return operations.visible(
        current_user,
        organisation_id=int(organisation_id) if organisation_id and organisation_id.isdecimal() else None,
        status=form.status.data or None,
        q=form.q.data or None,
    )


@bp.route("/manager/certificates")
@login_required
def manage():
    require("certificate.list")
    form = FilterForm(request.args)
    form.organisation_id.choices = _organisation_choices()
    if not form.validate():
        form = FilterForm(formdata=None)
        form.organisation_id.choices = _organisation_choices()
    page = paginate(_filtered(form))
    return render_template("certificates/manage.html", page=page, form=form, zip_form=ZipForm(),
                           limit=operations.ZIP_LIMIT)


@bp.route("/manager/certificates.zip", methods=["POST"])
@login_required
def manage_zip():
    """Many certificates at once: the ticked ones, or every valid one the filter finds."""
    require("certificate.list")
    if not ZipForm().validate():
        abort(400)
    if request.form.get("all"):
        form = FilterForm(request.args)
        form.organisation_id.choices = _organisation_choices()
        form.validate()
        query = _filtered(form).where(Certificate.revoked_at.is_(None)).limit(operations.ZIP_LIMIT)
    else:
        codes = [c for c in (normalize(x) for x in request.form.getlist("code")[:operations.ZIP_LIMIT]) if c]
        if not codes:
            flash(_("Tick the certificates to download first."), "error")
            return redirect(url_for(".manage", **request.args))
        query = operations.visible(current_user).where(Certificate.code.in_(codes))
    certificates = [c for c in db.session.scalars(query) if c.revoked_at is None and can("certificate.download", c)]
    if len(certificates) > int(current_app.config.get("CERTIFICATE_ZIP_JOB_THRESHOLD") or 300):
        # Many files: written in the background, with progress, like the exports.
        from lms.reports import exports

        job = exports.start("certificates", "zip", by=current_user, certificate_ids=[c.id for c in certificates],
                            locale=str(get_locale() or "en"))
        return redirect(url_for("reports.export_job", job_id=job.id), 303)
    ids = [c.id for c in certificates]
    data, count = operations.zip_of(operations.stream_by_ids(ids))
    if not count:
        flash(_("None of these certificates can be downloaded (revoked ones are left out)."), "error")
        return redirect(url_for(".manage", **request.args))
    return Response(data, mimetype="application/zip", headers=download_headers("certificates.zip"))


@bp.route("/certificates/<code>.pdf")
@login_required
def download(code):
    certificate = _certificate_or_404(code)
    require("certificate.download", certificate)
    data = operations.pdf_for_download(certificate)
    return pdf_response(data, operations.filename(certificate), etag=certificate.sha256)


@bp.route("/certificates/<code>")
@login_required
def show(code):
    certificate = _certificate_or_404(code)
    require("certificate.view", certificate)
    return render_template("certificates/show.html", certificate=certificate)


def _reason_page(certificate, action, form, status=200):
    return render_template("certificates/reason.html", certificate=certificate, action=action, form=form), status


@bp.route("/certificates/<code>/revoke", methods=["GET", "POST"])
@login_required
def revoke(code):
    certificate = _certificate_or_404(code)
    require("certificate.revoke", certificate)
    form = ReasonForm()
    return round_trip(
        form, lambda: operations.revoke(certificate, by=current_user, reason=form.reason.data),
        page=lambda: _reason_page(certificate, "revoke", form)[0],
        done=lambda _r: (_("Certificate %(code)s is revoked.", code=certificate.code), url_for(".show", code=certificate.code)))


@bp.route("/certificates/<code>/reissue", methods=["GET", "POST"])
@login_required
def reissue(code):
    certificate = _certificate_or_404(code)
    require("certificate.reissue", certificate)
    form = ReasonForm()
    return round_trip(
        form, lambda: operations.reissue(certificate, by=current_user, reason=form.reason.data),
        page=lambda: _reason_page(certificate, "reissue", form)[0],
        done=lambda new: (_("Certificate %(old)s is revoked and replaced by %(new)s.", old=certificate.code, new=new.code),
                          url_for(".show", code=new.code)))


# --- an event's certificates (coordinators issue; the event's trainers read) ---------------------

@bp.route("/events/<int:event_id>/certificates")
@login_required
def event_certificates(event_id):
    event = get_or_404(Event, event_id)
    require("certificate.event_view", event)
    return render_template(
        "certificates/event.html", event=event, certificates=operations.event_certificates(event.id),
        batches=operations.batches_of(event.id), missing=len(operations.missing_completions(event.id)),
        form=IssueForm(),
    )


@bp.route("/events/<int:event_id>/certificates/issue", methods=["GET", "POST"])
@login_required
def issue_event(event_id):
    event = get_or_404(Event, event_id)
    require("certificate.bulk", event)
    if request.method == "GET":  # a reload of the progress page's address
        return redirect(url_for(".event_certificates", event_id=event.id))
    if not IssueForm().validate():
        abort(400)
    batch = operations.start_batch(event, by=current_user)
    operations.queue_batch(batch)
    return redirect(url_for(".batch", batch_id=batch.id))


@bp.route("/certificates/batches/<int:batch_id>")
@login_required
def batch(batch_id):
    batch = get_or_404(CertificateBatch, batch_id)
    require("certificate.event_view", batch.event)
    requeued = False
    if operations.is_stale(batch) and not operations._eager():
        # Its worker died (or the message was lost): hand it to a worker again, after
        # this request commits. Safe if the first worker is merely slow.
        operations.queue_batch(batch)
        requeued = True
    response = Response(render_template("certificates/batch.html", batch=batch, requeued=requeued))
    if batch.running:
        # Reload every few seconds while it runs: progress without JavaScript.
        response.headers["Refresh"] = "3"
    return response
