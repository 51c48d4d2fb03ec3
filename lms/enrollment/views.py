"""Enrolment pages: sign up/cancel, my learning, manager approvals, event roster, prior completions."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.validation import is_id
from lms.auth import policy
from lms.catalog.models import Activity, Event, Session
from lms.enrollment import operations as ops
from lms.enrollment.forms import CapacityForm, EnrolPersonForm, ManagerEnrolForm, MoveForm, PriorForm, RejectForm
from lms.enrollment.models import Enrollment, PriorCompletion
from lms.errors import DomainError
from lms.extensions import db
from lms.people.models import Person
from lms.types import utcnow
from lms.web import back_on_error, get_or_404, paginate, require, round_trip

bp = Blueprint("enrollment", __name__, template_folder="templates")


def _explain(enrollment, verb):
    if enrollment.status == "enrolled":
        return _("%(name)s is enrolled.", name=enrollment.person.name) if verb == "for" else _("You are enrolled.")
    if enrollment.status == "waitlisted":
        return _("The event is full: place %(n)s on the waiting list.", n=ops.waitlist_position(enrollment))
    return _("Waiting for the manager's approval.")


@bp.route("/events/<int:event_id>/enrol", methods=["POST"])
@login_required
def enrol(event_id):
    event = get_or_404(Event, event_id)
    require("enrollment.create_self")
    with back_on_error(url_for("catalog.event", event_id=event.id)):
        enrollment = ops.enrol(current_user, event)
    flash(_explain(enrollment, "self"), "success")
    return redirect(url_for("catalog.event", event_id=event.id))


@bp.route("/enrollments/<int:enrollment_id>/cancel", methods=["POST"])
@login_required
def cancel(enrollment_id):
    enrollment = get_or_404(Enrollment, enrollment_id)
    require("enrollment.cancel", enrollment)
    back = request.form.get("next", "")
    back = back if back.startswith("/") and not back.startswith("//") else url_for("enrollment.my_learning")
    with back_on_error(back):
        ops.cancel(enrollment, current_user, reason=request.form.get("reason") or None)
    flash(_("The enrolment is cancelled."), "success")
    return redirect(back)


@bp.route("/me/learning")
@login_required
def my_learning():
    now = utcnow()
    enrollments = ops.my_enrollments(current_user)
    upcoming, past, other = [], [], []
    for e in enrollments:
        if e.status not in ("enrolled", "waitlisted", "pending_approval"):
            other.append(e)
        elif e.event.ends_at and e.event.ends_at < now:
            past.append(e)
        else:
            upcoming.append(e)
    upcoming.sort(key=lambda e: e.event.starts_at or now)
    sessions = db.session.scalars(
        select(Session).join(Enrollment, Enrollment.event_id == Session.event_id)
        .where(Enrollment.person_id == current_user.id, Enrollment.status == "enrolled", Session.starts_at >= now)
        .options(joinedload(Session.event).joinedload(Event.activity))
        .order_by(Session.starts_at).limit(20)).all()
    from lms.completion.operations import results_of

    results = results_of([e for e in past if e.status == "enrolled"])
    return render_template("enrollment/my_learning.html", upcoming=upcoming, past=past, other=other, sessions=sessions,
                           positions=ops.waitlist_positions_of(enrollments), results=results)


# Managers ------------------------------------------------------------------

@bp.route("/manager/approvals", methods=["GET", "POST"])
@login_required
def approvals():
    require("approvals.view")
    orgs = policy.managed_organisation_ids(current_user)
    page = paginate(ops.pending_for(current_user))
    from lms.completion.operations import results_of

    history, completed_before = {}, {}
    for e in page.items:
        history[e.id] = db.session.scalars(select(Enrollment).where(
            Enrollment.person_id == e.person_id, Enrollment.id != e.id).order_by(Enrollment.created_at.desc()).limit(5)).all()
        completed_before[e.id] = ops.has_completed(e.person, e.event.activity)
    results = results_of([h for rows in history.values() for h in rows if h.status == "enrolled"])
    form = ManagerEnrolForm()
    events = db.session.scalars(select(Event).where(Event.status == "open").join(Activity).order_by(Activity.title, Event.id)).all()
    form.event_id.choices = [(e.id, e.full_title) for e in events]
    # "Enrol my staff": the event is chosen first (GET ``event_id``), then a search (GET
    # ``q``) lists the manager's own staff who are not yet enrolled in it.
    chosen = request.values.get("event_id", type=int)
    chosen_event = next((e for e in events if e.id == chosen), None)
    if request.method == "GET" and chosen_event is not None:
        form.event_id.data = chosen_event.id
    picker = _picker(request.values.get("q", ""), chosen_event) if orgs else None

    def page_again(status=200):
        return render_template("enrollment/approvals.html", page=page, history=history, form=form, picker=picker,
                               chosen_event=chosen_event, reject_form=RejectForm(), results=results,
                               completed_before=completed_before), status

    if request.method == "POST":
        if not form.validate_on_submit():
            return page_again(422)
        person = db.session.get(Person, form.person_id.data) if is_id(form.person_id.data) else None
        event = db.session.get(Event, form.event_id.data) if is_id(form.event_id.data) else None
        if person is None or event is None:
            (form.person_id if person is None else form.event_id).errors = [
                _("Choose a person.") if person is None else _("Choose an event.")]
            return page_again(422)
        if not policy.can(current_user, "enrollment.create_for", (person, event)):
            abort(403)
        try:
            with db.session.begin_nested():
                enrollment = ops.enrol(person, event, by=current_user)
        except DomainError as error:
            flash(error.message, "error")
            return page_again(422)
        flash(_explain(enrollment, "for"), "success")
        return redirect(url_for("enrollment.approvals"))
    return page_again()


@bp.route("/enrollments/<int:enrollment_id>/decide", methods=["POST"])
@login_required
def decide(enrollment_id):
    enrollment = get_or_404(Enrollment, enrollment_id)
    require("enrollment.decide", enrollment)
    back = request.form.get("next") if (request.form.get("next") or "").startswith("/events/") else url_for("enrollment.approvals")
    with back_on_error(back):
        if request.form.get("decision") == "approve":
            ops.approve(enrollment, current_user)
            flash(_("Approved: %(status)s", status=enrollment.status_label), "success")
        else:
            ops.reject(enrollment, current_user, request.form.get("reason", ""))
            flash(_("Rejected."), "success")
    return redirect(back)


# Person picker ---------------------------------------------------------------

def _picker(q, event=None, *, coordinator=False):
    """What the person picker shows: the search text, the matching people (each with
    whether their organisation is outside the event's programme) and whether more match."""
    q = ops.clean_query(q)
    visible = policy.visible_people_clause(current_user) if coordinator else None
    people, more = ops.enrol_candidates(current_user, q, event, coordinator=coordinator, visible=visible)
    programme = event.activity.programme if event is not None else None
    return {"q": q, "more": more, "searched": bool(q), "limit": ops.PICKER_LIMIT,
            "people": [(p, ops.outside_programme(p, programme)) for p in people]}


# Roster --------------------------------------------------------------------

def _roster_page(event, status=200, **forms):
    scope = policy.roster_scope(current_user, event)
    full = scope is None
    enrolled, waitlisted, pending = ops.roster(event, scope)
    coordinator = policy.can(current_user, "enrollment.move", event)
    enrol_form = forms.get("enrol_form") or EnrolPersonForm()
    # The person picker: a search (GET ``q``) lists matching people the user may enrol.
    picker = None
    if policy.can(current_user, "event.roster_picker", event):
        picker = _picker(request.values.get("q", ""), event, coordinator=coordinator)
    move_form = MoveForm()
    move_form.event_id.choices = [(e.id, e.display_title) for e in event.activity.events if e.id != event.id and e.status in ("open", "closed")]
    capacity_form = forms.get("capacity_form") or CapacityForm(capacity=event.capacity)
    return render_template("enrollment/roster.html", event=event, enrolled=enrolled, waitlisted=waitlisted, pending=pending,
                           full=full, coordinator=coordinator, enrol_form=enrol_form, picker=picker, move_form=move_form,
                           capacity_form=capacity_form, cutoff=ops.within_cutoff(event)), status


@bp.route("/events/<int:event_id>/roster")
@login_required
def roster(event_id):
    event = get_or_404(Event, event_id)
    require("event.roster", event)
    return _roster_page(event)


@bp.route("/events/<int:event_id>/roster/enrol", methods=["POST"])
@login_required
def enrol_person(event_id):
    event = get_or_404(Event, event_id)
    require("enrollment.create_for")
    form = EnrolPersonForm()
    person = db.session.get(Person, form.person_id.data) if form.validate_on_submit() and is_id(form.person_id.data) else None
    if person is None:
        if not form.person_id.errors:
            form.person_id.errors = [_("Choose a person.")]
        return _roster_page(event, 422, enrol_form=form)
    require("enrollment.create_for", (person, event))
    with back_on_error(url_for("enrollment.roster", event_id=event.id)):
        enrollment = ops.enrol(person, event, by=current_user, check_window=not policy.may_skip_enrolment_window(current_user, event))
    flash(_explain(enrollment, "for"), "success")
    return redirect(url_for("enrollment.roster", event_id=event.id))


@bp.route("/enrollments/<int:enrollment_id>/move", methods=["POST"])
@login_required
def move(enrollment_id):
    enrollment = get_or_404(Enrollment, enrollment_id)
    require("enrollment.move", enrollment.event)
    form = MoveForm()
    target = db.session.get(Event, form.event_id.data) if form.validate_on_submit() and is_id(form.event_id.data) else None
    if target is None:
        abort(400)
    source_id = enrollment.event_id
    with back_on_error(url_for("enrollment.roster", event_id=source_id)):
        moved, _promoted = ops.move(enrollment, target, current_user)
    flash(_("%(name)s moved to %(event)s: %(status)s.", name=moved.person.name, event=target.display_title, status=moved.status_label), "success")
    return redirect(url_for("enrollment.roster", event_id=source_id))


@bp.route("/events/<int:event_id>/capacity", methods=["GET", "POST"])
@login_required
def capacity(event_id):
    event = get_or_404(Event, event_id)
    require("event.capacity", event)
    if request.method == "GET":  # a reload after a refused change: back to the roster
        return redirect(url_for("enrollment.roster", event_id=event.id))
    form = CapacityForm()
    return round_trip(form, lambda: ops.set_capacity(event, form.capacity.data),
                      page=lambda: _roster_page(event, capacity_form=form)[0],
                      done=lambda _r: (_("Capacity is now %(n)s.", n=event.capacity),
                                       url_for("enrollment.roster", event_id=event.id)))


@bp.route("/events/<int:event_id>/promote", methods=["POST"])
@login_required
def promote(event_id):
    """Inside the cut-off the coordinator decides: promote now."""
    event = get_or_404(Event, event_id)
    require("event.capacity", event)
    promoted = ops.promote_waitlist(event, force=True)
    flash(_("%(n)s promoted from the waiting list.", n=len(promoted)), "success")
    return redirect(url_for("enrollment.roster", event_id=event.id))


# Prior completions -----------------------------------------------------------

@bp.route("/people/<int:person_id>/prior", methods=["GET", "POST"])
@login_required
def prior(person_id):
    person = get_or_404(Person, person_id)
    require("prior.record", person)
    form = PriorForm()
    activities = select(Activity).order_by(Activity.title)
    coordinated = policy.coordinated_clause(current_user, Activity.programme_id)
    if coordinated is not None:
        activities = activities.where(coordinated)
    form.activity_id.choices = [("", _("(another course)"))] + [
        (str(a.id), a.title) for a in db.session.scalars(activities)]

    def record():
        data = {"activity_id": int(form.activity_id.data) if form.activity_id.data else None, "title": form.title.data,
                "completed_on": form.completed_on.data, "hours": form.hours.data, "evidence": form.evidence.data}
        activity = db.session.get(Activity, data["activity_id"]) if data["activity_id"] else None
        require("prior.record", (person, activity))
        return ops.record_prior(person, data, current_user)

    def page():
        priors = db.session.scalars(select(PriorCompletion).where(PriorCompletion.person_id == person.id)
                                    .order_by(PriorCompletion.completed_on.desc())).all()
        return render_template("enrollment/prior.html", person=person, form=form, priors=priors)

    return round_trip(form, record, page=page,
                      done=lambda _r: (_("Prior completion recorded."), url_for("enrollment.prior", person_id=person.id)))
