"""Calendars: an event's .ics and a person's private subscription feed."""
from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.catalog.models import Event
from lms.downloads import download_headers
from lms.enrollment.operations import enrolled_events
from lms.notifications import operations as ops
from lms.web import external_url, get_or_404, require

bp = Blueprint("notifications", __name__, template_folder="templates")


def _ics(data, name):
    return Response(data, mimetype="text/calendar", headers=download_headers(name))


@bp.route("/events/<int:event_id>/calendar.ics")
def event_calendar(event_id):
    require("catalog.browse")
    event = get_or_404(Event, event_id)
    if event.status == "draft":
        abort(404)
    return _ics(ops.event_calendar(event), f"event-{event.id}.ics")


@bp.route("/calendar/<token>.ics")
def feed(token):
    person = ops.person_for_calendar_token(token)
    if person is None:
        abort(404)
    return _ics(ops.person_calendar(person, enrolled_events(person)), "brobygger.ics")


@bp.route("/me/calendar", methods=["GET", "POST"])
@login_required
def my_calendar():
    from flask import request

    plain = None
    if request.method == "POST":
        from flask_wtf.csrf import validate_csrf  # noqa: F401  (CSRFProtect already checked the token)

        if request.form.get("action") == "revoke":
            ops.revoke_calendar_tokens(current_user)
            flash(_("The calendar link no longer works."), "success")
            return redirect(url_for("notifications.my_calendar"))
        plain = ops.create_calendar_token(current_user)
        flash(_("Your new calendar link is shown below. Copy it now: it is shown only once."), "success")
    token = ops.active_calendar_token(current_user)
    url = external_url("notifications.feed", token=plain) if plain else None
    return render_template("notifications/my_calendar.html", token=token, url=url)
