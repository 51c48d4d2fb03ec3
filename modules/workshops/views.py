"""The workshop kind's pages: an event's action plans."""
from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.catalog.models import Event
from lms.web import can, get_or_404, require, round_trip
from modules.workshops import operations
from modules.workshops.forms import ActionPlanForm

bp = Blueprint("workshops", __name__, template_folder="templates")


@bp.route("/events/<int:event_id>/action-plans", methods=["GET", "POST"])
@login_required
def action_plans(event_id):
    """A workshop event's action plans: read by its people, recorded by its trainers and coordinators."""
    event = get_or_404(Event, event_id)
    if not operations.has_action_plans(event):
        abort(404)
    require("event.workspace.view", event)
    form = ActionPlanForm() if can("event.workspace.edit", event) else None
    if request.method == "POST":
        require("event.workspace.edit", event)

    def page():
        return render_template("workshops/action_plans.html", event=event, plans=operations.action_plans(event), form=form)

    if form is None:
        return page()
    return round_trip(form, lambda: operations.add_action_plan(event, form.data, by=current_user), page=page,
                      done=lambda _p: (_("The action plan is saved."), url_for(".action_plans", event_id=event.id)))
