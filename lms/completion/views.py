"""Completion pages: an event's completions with finalize and reopen, and transcripts."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.attendance.cadence import cadence_warning
from lms.catalog.models import Event
from lms.completion import operations
from lms.completion.forms import FinalizeForm, ReopenForm
from lms.errors import Conflict
from lms.people.models import Person
from lms.types import utcnow
from lms.web import round_trip, can, get_or_404, require

bp = Blueprint("completion", __name__, template_folder="templates")


def _event_page(event, *, reopen_form=None, status=200, error=None):
    return render_template(
        "completion/event.html",
        event=event,
        error=error,
        not_over=operations.not_over_message(event) if event.status != "finalized" and event.ends_in_future else None,
        outcome=operations.current_outcome(event),
        history=operations.finalization_history(event),
        finalize_form=FinalizeForm(),
        reopen_form=reopen_form or ReopenForm(formdata=None),
        cadence=cadence_warning(event),
    ), status


@bp.route("/events/<int:event_id>/completion")
@login_required
def event_completion(event_id):
    event = get_or_404(Event, event_id)
    require("event.finalize", event)
    return _event_page(event)


@bp.route("/events/<int:event_id>/finalize", methods=["GET", "POST"])
@login_required
def finalize(event_id):
    """GET: what finalizing will do, and a button to do it (works without JavaScript).
    POST: finalize, then follow the certificates being issued."""
    event = get_or_404(Event, event_id)
    require("event.finalize", event)
    if request.method == "GET":
        if event.status in ("finalized", "cancelled"):
            return redirect(url_for(".event_completion", event_id=event.id))
        if event.ends_in_future:
            return _event_page(event, status=409, error=operations.not_over_message(event))
        return render_template(
            "completion/finalize_confirm.html", event=event, finalize_form=FinalizeForm(),
            enrolled=len(operations.participants(event)),
            certificates=can("certificate.event_view", event),
        )
    if not FinalizeForm().validate():
        abort(400)
    try:
        outcome = operations.finalize(event, by=current_user)
    except Conflict as error:
        return _event_page(event, status=409, error=error.message)
    flash(
        _("Finalized: %(done)s completed, %(not)s did not complete.", done=len(outcome.completions), **{"not": len(outcome.not_completed)}),
        "success",
    )
    if outcome.batch_id is not None and can("certificate.event_view", event):
        return redirect(url_for("certificates.batch", batch_id=outcome.batch_id))
    return redirect(url_for(".event_completion", event_id=event.id))


@bp.route("/events/<int:event_id>/reopen", methods=["GET", "POST"])
@login_required
def reopen(event_id):
    event = get_or_404(Event, event_id)
    require("event.reopen", event)
    if request.method == "GET":  # a reload after a refused reopen: back to the completion page
        return redirect(url_for(".event_completion", event_id=event.id))
    form = ReopenForm()
    return round_trip(
        form, lambda: operations.reopen(event, by=current_user, reason=form.reason.data),
        page=lambda: _event_page(event, reopen_form=form)[0],
        done=lambda _r: (_("The event is reopened (%(status)s); attendance can be corrected. Its earlier results are superseded until you finalize it again.", status=event.status_label),
                         url_for(".event_completion", event_id=event.id)))


def _transcript(person, template):
    require("transcript.view", person)
    return render_template(template, person=person, transcript=operations.transcript(person), now=utcnow())


@bp.route("/people/<int:person_id>/transcript")
@login_required
def transcript(person_id):
    return _transcript(get_or_404(Person, person_id), "completion/transcript.html")


@bp.route("/people/<int:person_id>/transcript/print")
@login_required
def transcript_print(person_id):
    return _transcript(get_or_404(Person, person_id), "completion/transcript_print.html")


@bp.route("/me/transcript")
@login_required
def my_transcript():
    require("transcript.view", current_user if current_user.is_authenticated else None)
    return redirect(url_for(".transcript", person_id=current_user.id))

