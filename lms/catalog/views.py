"""The staff catalogue (public) and the coordinator pages for activities and events."""
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.auth import policy
from lms.catalog import operations as ops
from lms.catalog.forms import ActivityForm, EventForm
from lms.catalog.models import Activity, Event
from lms.errors import DomainError, ValidationError
from lms.extensions import db
from lms.people.models import JobFunction, Person, RoleGrant
from lms.plugins import registry
from lms.programmes.models import Programme, Theme
from lms.web import apply_errors, get_or_404, paginate, require

bp = Blueprint("catalog", __name__, template_folder="templates")
SESSION_ROWS_EXTRA = 3


def _staff_view(programme_id):
    return not policy.coordinates(current_user, programme_id)


# Catalogue -------------------------------------------------------------------

@bp.route("/")
def index():
    require("catalog.browse")
    programmes = db.session.scalars(select(Programme).order_by(Programme.code)).all()
    programme = None
    chosen = request.args.get("programme", type=int)
    if chosen:
        programme = next((p for p in programmes if p.id == chosen), None)
    programme = programme or ops.default_programme()
    kind = request.args.get("kind") if request.args.get("kind") in registry else ""
    theme_id = request.args.get("theme", type=int)
    q = request.args.get("q", "").strip()[:200]
    activities = []
    if programme is not None:
        activities = db.session.scalars(ops.activities_query(programme.id, kind or None, theme_id, q)).all()
    summary = ops.upcoming_summary([a.id for a in activities])
    groups = {}
    for a in activities:
        groups.setdefault(a.theme, []).append(a)
    ordered = sorted(groups.items(), key=lambda kv: (kv[0] is None, kv[0].position if kv[0] else 0))
    return render_template("catalog/index.html", programmes=programmes, programme=programme, groups=ordered,
                           summary=summary, kind=kind, theme_id=theme_id, q=q, total=len(activities))


def _load_activity(activity_id):
    activity = get_or_404(Activity, activity_id)
    registry.get(activity.kind)  # raises UnknownKind: a clear page, never a 500
    return activity


@bp.route("/activities/<int:activity_id>")
def activity(activity_id):
    require("catalog.browse")
    activity = _load_activity(activity_id)
    statuses = ops.visible_event_statuses(_staff_view(activity.programme_id))
    events = [e for e in activity.events if e.status in statuses]
    return render_template("catalog/activity.html", activity=activity, kind=registry.get(activity.kind), events=events)


@bp.route("/events/<int:event_id>")
def event(event_id):
    require("catalog.browse")
    event = get_or_404(Event, event_id)
    registry.get(event.activity.kind)
    if event.status not in ops.visible_event_statuses(_staff_view(event.activity.programme_id)) and not policy.trains(current_user, event):
        abort(404)
    return render_template("catalog/event.html", event=event, activity=event.activity, kind=registry.get(event.activity.kind))


# Coordinator: activities -----------------------------------------------------

@bp.route("/admin/activities")
@login_required
def admin_activities():
    require("admin.access")
    programme_id = request.args.get("programme_id", type=int)
    kind = request.args.get("kind") or None
    theme_id = request.args.get("theme_id", type=int)
    q = request.args.get("q", "").strip()
    page = paginate(ops.activities_query(programme_id, kind, theme_id, q))
    programmes = db.session.scalars(select(Programme).order_by(Programme.code)).all()
    themes = db.session.scalars(select(Theme).where(Theme.programme_id == programme_id).order_by(Theme.position)).all() if programme_id else []
    return render_template("catalog/admin_activities.html", page=page, programmes=programmes, themes=themes,
                           programme_id=programme_id, kind=kind, theme_id=theme_id, q=q)


@bp.route("/admin/activities/new")
@login_required
def choose_kind():
    programme_id = request.args.get("programme_id", type=int)
    programme = get_or_404(Programme, programme_id) if programme_id else None
    require("activity.create", programme)
    programmes = db.session.scalars(select(Programme).order_by(Programme.code)).all()
    return render_template("catalog/choose_kind.html", programme=programme, programmes=programmes)


def _settings_form(kind, activity=None):
    if kind.settings_form is None:
        return None
    form = kind.settings_form(prefix="settings", meta={"csrf": False})
    if request.method == "GET":
        values = dict(kind.default_settings())
        values.update((activity.settings if activity else {}) or {})
        for name, field in form._fields.items():
            if name in values:
                value = values[name]
                field.data = ", ".join(str(v) for v in value) if isinstance(value, list) else value
    return form


def _activity_form(programme, kind, activity=None):
    form = ActivityForm(obj=activity)
    settings_form = _settings_form(kind, activity)
    form.theme_id.choices = [("", _("(no theme)"))] + [(str(t.id), t.name) for t in programme.themes]
    form.eligible_function_codes.choices = [(f.code, f.name) for f in db.session.scalars(select(JobFunction).order_by(JobFunction.name))]
    form.prerequisite_activity_ids.choices = [
        (a.id, a.title) for a in db.session.scalars(select(Activity).where(Activity.programme_id == programme.id).order_by(Activity.title))
        if activity is None or a.id != activity.id
    ]
    if activity is not None and request.method == "GET":
        form.theme_id.data = str(activity.theme_id or "")
        form.eligible_function_codes.data = [f.code for f in activity.eligible_functions]
        form.prerequisite_activity_ids.data = [a.id for a in activity.prerequisites]
    if request.method == "POST":
        base_ok = form.validate_on_submit()
        settings_ok = settings_form.validate() if settings_form is not None else True
        if base_ok and settings_ok:
            data = {
                "programme_id": programme.id, "kind": kind.code, "title": form.title.data,
                "description": form.description.data or "",
                "theme_id": int(form.theme_id.data) if form.theme_id.data else None,
                "hours_per_session": float(form.hours_per_session.data) if form.hours_per_session.data else None,
                "requires_approval": form.requires_approval.data,
                "eligible_function_codes": form.eligible_function_codes.data or [],
                "prerequisite_activity_ids": form.prerequisite_activity_ids.data or [],
                "settings": kind.settings_from_form(settings_form) if settings_form is not None else {},
            }
            try:
                saved = ops.save_activity(data, activity)
            except ValidationError as error:
                for name, problems in error.fields.items():
                    target = getattr(settings_form, name[len("settings."):], None) if name.startswith("settings.") and settings_form else getattr(form, name, None)
                    if target is not None:
                        target.errors = list(target.errors or []) + list(problems)
                    else:
                        for p in problems:
                            flash(p, "error")
            else:
                flash(_("Saved %(title)s.", title=saved.title), "success")
                return redirect(url_for("catalog.admin_activity", activity_id=saved.id))
    has_errors = bool(form.errors) or bool(settings_form and settings_form.errors) or any(
        f.errors for f in list(form) + (list(settings_form) if settings_form else []))
    return render_template("catalog/activity_form.html", form=form, settings_form=settings_form, kind=kind,
                           programme=programme, activity=activity), 422 if has_errors else 200


@bp.route("/admin/programmes/<int:programme_id>/activities/new/<kind_code>", methods=["GET", "POST"])
@login_required
def new_activity(programme_id, kind_code):
    programme = get_or_404(Programme, programme_id)
    require("activity.create", programme)
    kind = registry.find(kind_code)
    if kind is None:
        abort(404)
    return _activity_form(programme, kind)


@bp.route("/admin/activities/<int:activity_id>")
@login_required
def admin_activity(activity_id):
    activity = get_or_404(Activity, activity_id)
    require("activity.edit", activity)
    return render_template("catalog/admin_activity.html", activity=activity, kind=registry.find(activity.kind))


@bp.route("/admin/activities/<int:activity_id>/edit", methods=["GET", "POST"])
@login_required
def edit_activity(activity_id):
    activity = _load_activity(activity_id)
    require("activity.edit", activity)
    return _activity_form(activity.programme, registry.get(activity.kind), activity)


@bp.route("/admin/activities/<int:activity_id>/delete", methods=["POST"])
@login_required
def delete_activity(activity_id):
    activity = get_or_404(Activity, activity_id)
    require("activity.delete", activity)
    programme_id = activity.programme_id
    try:
        ops.delete_activity(activity)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("catalog.admin_activity", activity_id=activity_id))
    flash(_("Activity deleted."), "success")
    return redirect(url_for("catalog.admin_activities", programme_id=programme_id))


# Coordinator: events ---------------------------------------------------------

def _tz():
    return ZoneInfo(str(get_timezone() or "Europe/Stockholm"))


def _local(value):
    return value.astimezone(_tz()) if value else None


def _session_rows(event):
    rows = []
    for s in (event.sessions if event else []):
        start, end = _local(s.starts_at), _local(s.ends_at)
        rows.append({"id": s.id, "day": start.date().isoformat(), "start": start.strftime("%H:%M"),
                     "end": end.strftime("%H:%M"), "place": s.place or ""})
    rows += [{"id": "", "day": "", "start": "", "end": "", "place": ""} for _ in range(SESSION_ROWS_EXTRA)]
    return rows


def _parse_session_rows(form_data, problems):
    """Session rows from the form (date, start, end, place), in the user's timezone."""
    sessions = []
    tz = _tz()
    raw_count = form_data.get("session_rows", "0") or "0"
    count = int(raw_count) if raw_count.isdecimal() and len(raw_count) <= 4 else 0
    for i in range(min(count, 200)):
        day, start, end = (form_data.get(f"s{i}-{k}", "").strip() for k in ("day", "start", "end"))
        place = form_data.get(f"s{i}-place", "").strip()
        if not (day or start or end):
            continue
        try:
            d = date.fromisoformat(day)
            t1, t2 = time.fromisoformat(start), time.fromisoformat(end)
        except ValueError:
            problems.append(_("Session row %(n)s: give a date and start and end times.", n=i + 1))
            continue
        sid = form_data.get(f"s{i}-id", "")
        sessions.append({"id": int(sid) if sid.isdecimal() and len(sid) <= 10 else None, "starts_at": ops.combine_local(d, t1, tz),
                         "ends_at": ops.combine_local(d, t2, tz), "place": place or None})
    return sessions


def _event_form(activity, event=None):
    form = EventForm(obj=event)
    trainer_q = select(Person).where(Person.active.is_(True), Person.roles.any(RoleGrant.role == "trainer")).order_by(Person.name)
    trainers = list(db.session.scalars(trainer_q))
    for t in (event.trainers if event else []):
        if t not in trainers:
            trainers.append(t)
    form.trainer_ids.choices = [(p.id, p.name) for p in trainers]
    if event is not None and request.method == "GET":
        form.trainer_ids.data = [t.id for t in event.trainers]
        form.enrol_opens_at.data = _local(event.enrol_opens_at).replace(tzinfo=None) if event.enrol_opens_at else None
        form.enrol_closes_at.data = _local(event.enrol_closes_at).replace(tzinfo=None) if event.enrol_closes_at else None
    rows = _session_rows(event)
    session_problems = []
    if form.validate_on_submit():
        sessions = _parse_session_rows(request.form, session_problems)
        tz = _tz()
        data = {
            "title": form.title.data or "", "capacity": form.capacity.data, "place": form.place.data or None,
            "online_url": form.online_url.data or None, "status": form.status.data,
            "enrol_opens_at": form.enrol_opens_at.data.replace(tzinfo=tz) if form.enrol_opens_at.data else None,
            "enrol_closes_at": form.enrol_closes_at.data.replace(tzinfo=tz) if form.enrol_closes_at.data else None,
            "trainer_ids": form.trainer_ids.data or [], "sessions": sessions,
        }
        if not session_problems:
            try:
                saved = ops.save_event(activity, data, event)
            except ValidationError as error:
                for name, problems in error.fields.items():
                    field = getattr(form, name, None)
                    if field is not None:
                        field.errors = list(field.errors or []) + problems
                    else:
                        session_problems += problems
            else:
                flash(_("Event saved."), "success")
                return redirect(url_for("catalog.admin_activity", activity_id=activity.id))
    if request.method == "POST":
        count = request.form.get("session_rows", "0")
        rows = [{"id": request.form.get(f"s{i}-id", ""), **{k: request.form.get(f"s{i}-{k}", "") for k in ("day", "start", "end", "place")}}
                for i in range(min(int(count) if count.isdecimal() and len(count) <= 4 else 0, 200))]
    status = 422 if (form.errors or session_problems) else 200
    return render_template("catalog/event_form.html", form=form, activity=activity, event=event, rows=rows,
                           session_problems=session_problems), status


@bp.route("/admin/activities/<int:activity_id>/events/new", methods=["GET", "POST"])
@login_required
def new_event(activity_id):
    activity = _load_activity(activity_id)
    require("event.create", activity)
    return _event_form(activity)


@bp.route("/admin/events/<int:event_id>", methods=["GET", "POST"])
@login_required
def edit_event(event_id):
    event = get_or_404(Event, event_id)
    require("event.edit", event)
    return _event_form(event.activity, event)


@bp.route("/admin/events/<int:event_id>/delete", methods=["POST"])
@login_required
def delete_event(event_id):
    event = get_or_404(Event, event_id)
    require("event.delete", event)
    activity_id = event.activity_id
    try:
        ops.delete_event(event)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("catalog.edit_event", event_id=event_id))
    flash(_("Event deleted."), "success")
    return redirect(url_for("catalog.admin_activity", activity_id=activity_id))
