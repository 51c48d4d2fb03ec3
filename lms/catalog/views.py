"""The staff catalogue (public) and the coordinator pages for activities and events."""
from datetime import date, time
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
from lms.enrollment import operations as enrolment
from lms.errors import ValidationError
from lms.extensions import db
from lms.people.models import JobFunction, Person, RoleGrant
from lms.plugins import registry
from lms.validation import Problems
from lms.programmes.models import Programme, Theme
from lms.web import back_on_error, get_or_404, paginate, require, round_trip

bp = Blueprint("catalog", __name__, template_folder="templates")
MAX_SESSION_ROWS = 200
CATALOGUE_PER_PAGE = 24


# Catalogue -------------------------------------------------------------------

@bp.route("/")
def index():
    require("catalog.browse")
    programmes = db.session.scalars(select(Programme).order_by(Programme.code)).all()
    chosen = request.args.get("programme", "")
    everywhere = chosen == "all"
    programme = None
    if chosen.isdigit():
        programme = next((p for p in programmes if str(p.id) == chosen), None)
    if programme is None and not everywhere:
        programme = ops.default_programme()
    kind = request.args.get("kind") if request.args.get("kind") in registry else ""
    # A theme belongs to one programme: a theme of another programme (kept in the address
    # after the programme changed) no longer applies.
    theme_id = request.args.get("theme", type=int)
    if programme is None or not any(t.id == theme_id for t in programme.themes):
        theme_id = None
    q = "".join(ch for ch in request.args.get("q", "") if ch.isprintable()).strip()[:200]
    page = None
    groups = []
    if programme is not None or (everywhere and programmes):
        page = paginate(ops.activities_query(programme.id if programme else None, kind or None, theme_id, q,
                                             by_theme=True), per_page=CATALOGUE_PER_PAGE)
        for a in page.items:
            key = (a.programme if everywhere else None, a.theme)
            if not groups or groups[-1][0] != key:
                groups.append((key, []))
            groups[-1][1].append(a)
    summary = ops.upcoming_summary([a.id for a in page.items] if page else [])
    return render_template("catalog/index.html", programmes=programmes, programme=programme, everywhere=everywhere,
                           groups=groups, page=page, summary=summary, kind=kind, theme_id=theme_id, q=q,
                           total=page.total if page else 0)


def _load_activity(activity_id):
    activity = get_or_404(Activity, activity_id)
    registry.get(activity.kind)  # raises UnknownKind: a clear page, never a 500
    return activity


@bp.route("/activities/<int:activity_id>")
def activity(activity_id):
    require("catalog.browse")
    activity = _load_activity(activity_id)
    statuses = policy.visible_event_statuses(current_user, activity.programme_id)
    events = [e for e in activity.events if e.status in statuses]
    return render_template("catalog/activity.html", activity=activity, kind=registry.get(activity.kind), events=events)


@bp.route("/events/<int:event_id>")
def event(event_id):
    require("catalog.browse")
    event = get_or_404(Event, event_id)
    registry.get(event.activity.kind)
    if not policy.sees_event(current_user, event):
        abort(404)
    panel = enrolment.enrol_panel(current_user, event) if current_user.is_authenticated else None
    return render_template("catalog/event.html", event=event, activity=event.activity, kind=registry.get(event.activity.kind),
                           panel=panel)


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

    def save():
        # Every problem in one round: the form's own checks, the settings form's and the
        # kind's rules (e.g. blocks that do not add up to the days) are all collected
        # before anything is written.
        problems = Problems()
        for name, messages in form.errors.items():
            for m in messages:
                problems.add(name, m)
        for name, messages in (settings_form.errors if settings_form is not None else {}).items():
            for m in messages:
                problems.add(f"settings.{name}", m)
        settings = {}
        if settings_form is not None:
            settings = kind.settings_from_form(settings_form)
            # A setting its form refused is left out: its own message says why.
            settings = {k: v for k, v in settings.items() if not settings_form[k].errors}
        values = {
            "title": form.title.data, "description": form.description.data or "",
            "theme_id": form.theme_id.data or None,
            "hours_per_session": float(form.hours_per_session.data) if form.hours_per_session.data else None,
            "requires_approval": form.requires_approval.data,
            "eligible_function_codes": form.eligible_function_codes.data or [],
            "prerequisite_activity_ids": form.prerequisite_activity_ids.data or [],
        }
        data = {k: v for k, v in values.items() if not form[k].errors}
        data.update({"programme_id": programme.id, "kind": kind.code, "settings": settings})
        return ops.save_activity(data, activity, problems=problems)

    return round_trip(
        form, save, subforms={"settings": settings_form}, collect=True,
        page=lambda: render_template("catalog/activity_form.html", form=form, settings_form=settings_form, kind=kind,
                                     programme=programme, activity=activity),
        done=lambda saved: (_("Saved %(title)s.", title=saved.title), url_for("catalog.admin_activity", activity_id=saved.id)))


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
    with back_on_error(url_for("catalog.admin_activity", activity_id=activity_id)):
        ops.delete_activity(activity)
    flash(_("Activity deleted."), "success")
    return redirect(url_for("catalog.admin_activities", programme_id=programme_id))


# Coordinator: events ---------------------------------------------------------

def _tz():
    return ZoneInfo(str(get_timezone() or "Europe/Stockholm"))


def _local(value):
    return value.astimezone(_tz()) if value else None


def _empty_row():
    return {"id": "", "day": "", "start": "", "end": "", "place": ""}


def _planned_sessions(activity):
    """How many sessions the activity's kind plans for one event (asked of the plugin)."""
    kind = registry.find(activity.kind)
    try:
        planned = int(kind.planned_sessions(activity.settings or {})) if kind is not None else 1
    except (TypeError, ValueError):
        planned = 1
    return max(1, min(planned, MAX_SESSION_ROWS))


def _session_rows(activity, event):
    """Rows for the form: the event's sessions, then empty rows up to the number of
    sessions the kind plans (a new track of 5 days: 5 rows); at least one empty row."""
    rows = []
    for s in (event.sessions if event else []):
        start, end = _local(s.starts_at), _local(s.ends_at)
        rows.append({"id": s.id, "day": start.date().isoformat(), "start": start.strftime("%H:%M"),
                     "end": end.strftime("%H:%M"), "place": s.place or ""})
    rows += [_empty_row() for _ in range(max(_planned_sessions(activity) - len(rows), 1))]
    return rows


def _row_count(form_data):
    count = (form_data.get("session_rows", "0") or "0").strip()
    return min(int(count), MAX_SESSION_ROWS) if count.isdecimal() and count.isascii() and len(count) <= 4 else 0


def _posted_rows(form_data):
    return [{"id": form_data.get(f"s{i}-id", ""), **{k: form_data.get(f"s{i}-{k}", "") for k in ("day", "start", "end", "place")}}
            for i in range(_row_count(form_data))]


def _parse_session_rows(form_data, row_errors):
    """Session rows from the form (date, start, end, place), in the user's timezone.

    Returns ``(sessions, rows)``: the sessions to save and, for each, its row number in
    the form (empty rows are skipped); problems go to ``row_errors[row]``."""
    sessions, rows = [], []
    tz = _tz()
    for i in range(_row_count(form_data)):
        day, start, end = (form_data.get(f"s{i}-{k}", "").strip() for k in ("day", "start", "end"))
        place = form_data.get(f"s{i}-place", "").strip()
        if not (day or start or end):
            continue
        try:
            d = date.fromisoformat(day)
            t1, t2 = time.fromisoformat(start), time.fromisoformat(end)
        except ValueError:
            row_errors.setdefault(i, []).append(_("Session row %(n)s: give a date and start and end times.", n=i + 1))
            continue
        if len(place) > 300:
            row_errors.setdefault(i, []).append(_("At most %(n)s characters.", n=300))
            continue
        sid = form_data.get(f"s{i}-id", "")
        sessions.append({"id": int(sid) if sid.isdecimal() and len(sid) <= 10 else None, "starts_at": ops.combine_local(d, t1, tz),
                         "ends_at": ops.combine_local(d, t2, tz), "place": place or None})
        rows.append(i)
    return sessions, rows


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
    rows = _session_rows(activity, event)
    session_problems, row_errors = [], {}
    if request.method == "POST":
        rows = _posted_rows(request.form)
        if "add_row" in request.form:
            # "Add a row" without saving: the same form again with one more empty row.
            if len(rows) < MAX_SESSION_ROWS:
                rows.append(_empty_row())
            return render_template("catalog/event_form.html", form=form, activity=activity, event=event, rows=rows,
                                   session_problems=[], row_errors={}, focus_row=len(rows) - 1), 200
    sessions, session_rows = ([], []) if request.method != "POST" else _parse_session_rows(request.form, row_errors)

    def save():
        # Every problem in one round: the form's own checks, the session rows and the
        # operation's rules are all collected before anything is written.
        problems = Problems()
        for name, messages in form.errors.items():
            for m in messages:
                problems.add(name, m)
        if row_errors:
            problems.add("sessions", _("Some session rows are not valid."))
        tz = _tz()
        values = {
            "title": form.title.data or "", "capacity": form.capacity.data, "place": form.place.data or None,
            "online_url": form.online_url.data or None, "status": form.status.data,
            "enrol_opens_at": form.enrol_opens_at.data.replace(tzinfo=tz) if form.enrol_opens_at.data else None,
            "enrol_closes_at": form.enrol_closes_at.data.replace(tzinfo=tz) if form.enrol_closes_at.data else None,
            "trainer_ids": form.trainer_ids.data or [],
        }
        # A field the form refused is left out (its own message says why).
        data = {k: v for k, v in values.items() if not form[k].errors}
        data["sessions"] = sessions
        try:
            # Through enrolment, which owns the capacity (seats, the waiting list).
            return enrolment.save_event(activity, data, event, problems=problems)
        except ValidationError as error:
            error.fields = _place_row_errors(error.fields, session_rows, row_errors)
            raise

    return round_trip(
        form, save, collect=True, unplaced=session_problems,
        page=lambda: render_template("catalog/event_form.html", form=form, activity=activity, event=event, rows=rows,
                                     session_problems=session_problems, row_errors=row_errors, focus_row=None),
        done=lambda _saved: (_("Event saved."), url_for("catalog.admin_activity", activity_id=activity.id)))


def _place_row_errors(fields, session_rows, row_errors):
    """Move an error's ``sessions.<i>.*`` problems into ``row_errors`` (by the row shown,
    as "Session row n: ..."); return the problems left for the form's fields."""
    placed = {}
    for name, messages in fields.items():
        parts = name.split(".")
        if len(parts) >= 2 and parts[0] == "sessions" and parts[1].isdigit() and int(parts[1]) < len(session_rows):
            row = session_rows[int(parts[1])]
            row_errors.setdefault(row, [])
            for m in messages:
                m = _("Session row %(n)s: %(problem)s", n=row + 1, problem=m)
                if m not in row_errors[row]:
                    row_errors[row].append(m)
        elif name == "sessions" and row_errors:
            continue  # the rows themselves say what is wrong
        else:
            placed[name] = messages
    return placed


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
    with back_on_error(url_for("catalog.edit_event", event_id=event_id)):
        enrolment.delete_event(event)
    flash(_("Event deleted."), "success")
    return redirect(url_for("catalog.admin_activity", activity_id=activity_id))
