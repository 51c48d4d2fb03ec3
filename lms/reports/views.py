"""Dashboards: the programme's goals for coordinators, a manager's view of their staff."""
from datetime import datetime, time
from zoneinfo import ZoneInfo

from flask import Blueprint, render_template, request
from flask_babel import get_timezone
from flask_login import current_user, login_required
from sqlalchemy import and_, case, func, select

from lms.attendance.hours import minutes_query, to_hours
from lms.attendance.models import Attendance
from lms.auth import policy
from lms.catalog.models import Activity, Event
from lms.completion.models import Completion
from lms.enrollment.models import Enrollment
from lms.extensions import db
from lms.goals import operations as goals
from lms.people.models import JobFunction, Organisation, Person
from lms.plugins import registry
from lms.programmes.models import Programme
from lms.web import get_or_404, paginate, require

bp = Blueprint("reports", __name__, template_folder="templates")


def _filters(programme):
    """Period, organisation, kind and theme from the query string (bad values are ignored)."""
    args = request.args
    tz = ZoneInfo(str(get_timezone() or "Europe/Stockholm"))
    filters, shown = {}, {}
    for name, clock in (("start", time.min), ("end", time.max)):
        try:
            day = datetime.strptime(args.get(name, ""), "%Y-%m-%d").date()
        except ValueError:
            continue
        filters[name] = datetime.combine(day, clock, tzinfo=tz)
        shown[name] = day.isoformat()
    if args.get("kind") in registry:
        filters["kind"] = shown["kind"] = args["kind"]
    theme_id = args.get("theme", type=int)
    if theme_id and any(t.id == theme_id for t in programme.themes):
        filters["theme_id"] = shown["theme"] = theme_id
    organisation_id = args.get("organisation", type=int)
    return filters, shown, organisation_id


@bp.route("/programmes/<int:programme_id>/dashboard")
@login_required
def dashboard(programme_id):
    programme = get_or_404(Programme, programme_id)
    require("progress.view", programme)
    filters, shown, organisation_id = _filters(programme)
    scope = None if policy.coordinates(current_user, programme.id) else policy.managed_organisation_ids(current_user)
    if organisation_id:
        scope = {organisation_id} if scope is None else (scope & {organisation_id})
        shown["organisation"] = organisation_id
    document = goals.progress(programme, scope, filters)
    functions = {f.code: f.name for f in db.session.scalars(select(JobFunction))}
    organisations = {str(o.id): o.name for o in db.session.scalars(select(Organisation))}
    months = goals.participants_by_month(programme, scope, filters)
    rates = goals.attendance_rate_by_kind(programme, scope, filters)
    from lms.attendance.operations import cadence_warning

    warnings = [(e, w) for e in db.session.scalars(select(Event).join(Activity).where(
        Activity.programme_id == programme.id, Activity.kind == "network")) if (w := cadence_warning(e))]
    return render_template("reports/dashboard.html", programme=programme, doc=document, functions=functions,
                           organisations=organisations, months=months, rates=rates, warnings=warnings,
                           month_items=[(m, total) for m, _n, total in months],
                           shown=shown, org_choices=sorted(programme.organisations, key=lambda o: o.name))


@bp.route("/manager")
@login_required
def manager():
    require("approvals.view")
    orgs = policy.managed_organisation_ids(current_user)
    attended = case((Attendance.status.in_(goals.ATTENDED), Attendance.enrollment_id))
    enrolled_n = (select(func.count()).where(Enrollment.person_id == Person.id, Enrollment.status == "enrolled")
                  .correlate(Person).scalar_subquery())
    attended_n = (select(func.count(func.distinct(Attendance.enrollment_id))).join(Enrollment, Enrollment.id == Attendance.enrollment_id)
                  .where(Enrollment.person_id == Person.id, Attendance.status.in_(goals.ATTENDED)).correlate(Person).scalar_subquery())
    completed_n = (select(func.count()).select_from(Completion).join(Enrollment, Enrollment.id == Completion.enrollment_id)
                   .where(Enrollment.person_id == Person.id).correlate(Person).scalar_subquery())
    query = (select(Person, enrolled_n, attended_n, completed_n)
             .where(Person.organisation_id.in_(orgs or {-1})).order_by(Person.name))
    page = paginate(query)
    # paginate() returns Person rows only (scalars); fetch the figures for the page in one query.
    ids = [p.id for p in page.items]
    figures = {row[0].id: row[1:] for row in db.session.execute(query.where(Person.id.in_(ids or [-1])))}
    minutes = dict(db.session.execute(minutes_query(Enrollment.person_id).where(Enrollment.person_id.in_(ids or [-1]))
                                      .group_by(Enrollment.person_id)).all())
    pending = db.session.scalar(select(func.count()).select_from(Enrollment).where(
        Enrollment.status == "pending_approval", Enrollment.organisation_id.in_(orgs or {-1})))
    recent_q = (select(Completion).join(Enrollment, Enrollment.id == Completion.enrollment_id)
                .join(Event, Event.id == Enrollment.event_id).join(Activity, Activity.id == Event.activity_id)
                .where(Enrollment.organisation_id.in_(orgs or {-1})).order_by(Completion.completed_on.desc()))
    if request.args.get("kind") in registry:
        recent_q = recent_q.where(Activity.kind == request.args["kind"])
    if request.args.get("activity", type=int):
        recent_q = recent_q.where(Activity.id == request.args.get("activity", type=int))
    try:
        since = datetime.strptime(request.args.get("since", ""), "%Y-%m-%d").date()
        recent_q = recent_q.where(Completion.completed_on >= since)
    except ValueError:
        pass
    recent = db.session.scalars(recent_q.limit(25)).all()
    contributions = []
    for programme in db.session.scalars(select(Programme).order_by(Programme.code)):
        contributions.append((programme, goals.progress(programme, orgs)))
    activity_choices = db.session.execute(select(Activity.id, Activity.title).order_by(Activity.title)).all()
    return render_template("reports/manager.html", page=page, activity_choices=activity_choices, figures=figures, minutes=minutes, to_hours=to_hours,
                           pending=pending, recent=recent, contributions=contributions,
                           organisations=db.session.scalars(select(Organisation).where(Organisation.id.in_(orgs or {-1}))).all())


@bp.route("/programmes/<int:programme_id>/export/<table>.<fmt>")
@login_required
def export(programme_id, table, fmt):
    """Downloads for the dashboards (the same streams as the API's report.csv/.xlsx)."""
    from flask import abort

    from lms.reports.api import export as stream

    if table not in ("participation", "goals") or fmt not in ("csv", "xlsx"):
        abort(404)
    return stream(get_or_404(Programme, programme_id), current_user, table, fmt)
