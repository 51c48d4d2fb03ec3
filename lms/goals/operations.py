"""Progress against a programme's goals, counted in SQL (see the counting rules in API.md)
over the participation ledger (:mod:`lms.goals.ledger`: one row per enrollment that took
part, kept in the same transaction as marks, completions and enrollments change).

A person goal counts distinct persons with at least one enrollment in an event of a
linked activity (all the programme's activities when none is linked) that qualifies by
the goal's basis: ``attended`` = a session marked present or late, ``completed`` = a
completion. Only enrollments whose job function AT ENROLMENT is among the goal's
functions count (none = all). Each person is counted once, under the function,
organisation (both as at enrollment) and gender of their first qualifying enrollment, so
the breakdowns add up to the total. Organisation goals count organisations with an
outcome. ``organisation_ids`` limits everything to those organisations (managers).
"""
from flask_babel import gettext as _
from sqlalchemy import func, literal, select

from lms.attendance.models import Attendance
from lms.catalog.models import Activity, Event
from lms.enrollment.models import Enrollment
from lms.extensions import db
from lms.goals import ledger
from lms.goals.models import Participation
from lms.people.models import JobFunction
from lms.programmes.models import Goal, OrganisationOutcome, TargetGroup, goal_activity, goal_function

ATTENDED = ("present", "late")


def narrow_scope(scope, organisation_id):
    """``scope`` narrowed to one chosen organisation (a filter never widens a manager's view)."""
    if not organisation_id:
        return scope
    return {organisation_id} if scope is None else (set(scope) & {organisation_id})


DASHBOARD_ARGS = {"start": "start", "end": "end", "kind": "kind", "theme": "theme", "organisation": "organisation"}
API_ARGS = {"start": "from", "end": "to", "kind": "kind", "theme": "theme_id", "organisation": "organisation_id"}


def _read_filters(args, programme, tz, names):
    """Report filters from query arguments named by ``names`` (:data:`DASHBOARD_ARGS` or
    :data:`API_ARGS`): a period of whole days in ``tz`` (YYYY-MM-DD), an installed kind, a
    theme of the programme, an organisation id. Returns (filters for the counting functions,
    the accepted values to show, the organisation id, the problems by argument name)."""
    from datetime import datetime, time

    from lms.plugins import registry

    filters, shown, problems = {}, {}, {}
    for key, clock in (("start", time.min), ("end", time.max)):
        raw = args.get(names[key])
        if raw in (None, ""):
            continue
        try:
            day = datetime.strptime(str(raw), "%Y-%m-%d").date()
        except ValueError:
            problems[names[key]] = [_("Use the form YYYY-MM-DD.")]
            continue
        filters[key] = datetime.combine(day, clock, tzinfo=tz)
        shown[key] = day.isoformat()
    if filters.get("start") and filters.get("end") and filters["end"] < filters["start"]:
        problems[names["end"]] = [_("The end is before the start.")]
    kind = args.get(names["kind"])
    if kind not in (None, ""):
        if registry.find(kind) is None:
            problems[names["kind"]] = [_("No such activity kind.")]
        else:
            filters["kind"] = shown["kind"] = kind
    theme_raw = args.get(names["theme"])
    if theme_raw not in (None, ""):
        theme_id = _int(theme_raw)
        if not theme_id or not any(t.id == theme_id for t in programme.themes):
            problems[names["theme"]] = [_("No such theme in this programme.")]
        else:
            filters["theme_id"] = shown["theme"] = theme_id
    organisation_id = None
    org_raw = args.get(names["organisation"])
    if org_raw not in (None, ""):
        organisation_id = _int(org_raw)
        if not organisation_id:
            problems[names["organisation"]] = [_("Must be an id.")]
        else:
            shown["organisation"] = organisation_id
    return filters, shown, organisation_id, problems


def parse_filters(args, programme, tz):
    """The dashboard's filters (its GET form: ``start``, ``end``, ``kind``, ``theme``,
    ``organisation``); bad values are ignored. Returns (filters for the counting
    functions, the accepted values to show, the organisation id)."""
    filters, shown, organisation_id, _problems = _read_filters(args, programme, tz, DASHBOARD_ARGS)
    return filters, shown, organisation_id


def _int(value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= 2**31 - 1 else None  # ids are 32-bit columns


def _period(query, session_column, filters):
    if filters and filters.get("start"):
        query = query.where(session_column >= filters["start"])
    if filters and filters.get("end"):
        query = query.where(session_column <= filters["end"])
    return query


def _activity_filter(query, filters):
    if filters and filters.get("kind"):
        query = query.where(Activity.kind == filters["kind"])
    if filters and filters.get("theme_id"):
        query = query.where(Activity.theme_id == filters["theme_id"])
    return query


def goal_links(goal_ids):
    """{goal_id: (linked activity ids, counted job function ids)} for ``goal_ids``, in one
    statement (an empty set: not limited)."""
    from sqlalchemy import union_all

    ids = list(goal_ids) or [-1]
    links = {goal_id: (set(), set()) for goal_id in goal_ids}
    rows = db.session.execute(union_all(
        select(literal(0).label("which"), goal_activity.c.goal_id, goal_activity.c.activity_id.label("ref"))
        .where(goal_activity.c.goal_id.in_(ids)),
        select(literal(1), goal_function.c.goal_id, goal_function.c.job_function_id)
        .where(goal_function.c.goal_id.in_(ids))))
    for which, goal_id, ref in rows:
        links[goal_id][which].add(ref)
    return links


def _first_counted(goal, organisation_ids=None, filters=None, links=None):
    """A select: one row per counted person (their first qualifying enrollment), read
    from the participation ledger. ``links``: the goal's entry of :func:`goal_links`."""
    activity_ids, function_ids = links if links is not None else goal_links([goal.id])[goal.id]
    P = Participation
    query = (
        select(
            P.person_id.label("person_id"),
            P.job_function_id.label("job_function_id"),
            P.organisation_id.label("organisation_id"),
            P.gender.label("gender"),
            func.row_number().over(partition_by=P.person_id, order_by=(P.enrolled_at, P.enrollment_id)).label("rn"),
        )
        .where(P.programme_id == goal.programme_id, ledger.qualifies(goal.basis, filters))
    )
    if activity_ids:
        if filters and (filters.get("kind") or filters.get("theme_id")):
            query = query.where(P.activity_id.in_(
                _activity_filter(select(Activity.id).where(Activity.id.in_(activity_ids)), filters)))
        else:
            query = query.where(P.activity_id.in_(activity_ids))
    elif filters and (filters.get("kind") or filters.get("theme_id")):
        query = query.where(P.activity_id.in_(
            _activity_filter(select(Activity.id).where(Activity.programme_id == goal.programme_id), filters)))
    if function_ids:
        query = query.where(P.job_function_id.in_(function_ids))
    if organisation_ids is not None:
        query = query.where(P.organisation_id.in_(organisation_ids or {-1}))
    ranked = query.subquery()
    return select(ranked).where(ranked.c.rn == 1)


def person_goal_progress(goal, organisation_ids=None, filters=None, links=None):
    """(achieved, by_function, by_organisation, by_gender) in ONE statement: the window
    over the ledger runs once, and the breakdowns are grouped from it (UNION ALL).
    ``links``: the goal's entry of :func:`goal_links` (read when not given)."""
    from sqlalchemy import String, cast, union_all

    firsts = _first_counted(goal, organisation_ids, filters, links).cte("firsts")
    parts = union_all(
        select(literal("total").label("dim"), literal("").label("k"), func.count().label("n")).select_from(firsts),
        select(literal("function"), func.coalesce(JobFunction.code, literal("unknown")), func.count())
        .select_from(firsts).outerjoin(JobFunction, JobFunction.id == firsts.c.job_function_id).group_by(JobFunction.code),
        select(literal("organisation"), func.coalesce(cast(firsts.c.organisation_id, String), literal("unknown")), func.count())
        .select_from(firsts).group_by(firsts.c.organisation_id),
        select(literal("gender"), firsts.c.gender, func.count()).select_from(firsts).group_by(firsts.c.gender),
    )
    achieved, out = 0, {"function": {}, "organisation": {}, "gender": {}}
    for dim, key, n in db.session.execute(parts):
        if dim == "total":
            achieved = n
        else:
            out[dim][key] = n
    return achieved, out["function"], out["organisation"], out["gender"]


def organisation_goal_progress(goal, organisation_ids=None, filters=None, links=None):
    """An organisation goal's figures in the person goals' shape (achieved, by function, by organisation, by gender): an organisation counts once it has a recorded outcome."""
    query = select(OrganisationOutcome.organisation_id).where(OrganisationOutcome.goal_id == goal.id).distinct()
    if organisation_ids is not None:
        query = query.where(OrganisationOutcome.organisation_id.in_(organisation_ids or {-1}))
    counted = query.subquery()
    ids = db.session.scalars(select(counted.c.organisation_id)).all()  # at most the programme's organisations
    return len(ids), {}, {str(i): 1 for i in ids}, {}


def target_actuals(programme, organisation_ids=None, filters=None):
    """{job_function_id: distinct persons of that function (at enrolment) who attended}."""
    P = Participation
    query = (
        select(P.job_function_id, func.count(func.distinct(P.person_id)))
        .where(P.programme_id == programme.id, ledger.qualifies("attended", filters))
        .group_by(P.job_function_id)
    )
    query = _ledger_scope(query, programme, organisation_ids, filters)
    return dict(db.session.execute(query).all())


def progress(programme, organisation_ids=None, filters=None):
    """The progress document of API.md for ``programme`` (limited to ``organisation_ids``;
    ``filters``: start/end (aware datetimes), kind, theme_id narrow what is counted)."""
    goals = []
    programme_goals = db.session.scalars(select(Goal).where(Goal.programme_id == programme.id)
                                         .order_by(Goal.position, Goal.id)).all()
    links = goal_links([g.id for g in programme_goals if g.unit == "persons"])
    for goal in programme_goals:
        counter = person_goal_progress if goal.unit == "persons" else organisation_goal_progress
        achieved, by_function, by_organisation, by_gender = counter(goal, organisation_ids, filters, links.get(goal.id))
        goals.append({
            "goal_id": goal.id, "title": goal.title, "unit": goal.unit, "target": goal.target, "basis": goal.basis,
            "achieved": achieved, "ratio": round(achieved / goal.target, 4) if goal.target else None,
            "by_function": by_function, "by_organisation": by_organisation, "by_gender": by_gender,
        })
    actual = target_actuals(programme, organisation_ids, filters)
    planned = db.session.execute(
        select(JobFunction.code, TargetGroup.planned, TargetGroup.job_function_id)
        .join(JobFunction, JobFunction.id == TargetGroup.job_function_id)
        .where(TargetGroup.programme_id == programme.id)).all()
    targets = [{"function_code": code, "planned": n, "actual": actual.get(function_id, 0)}
               for code, n, function_id in sorted(planned, key=lambda row: row[0])]  # by code, as Python sorts
    return {"programme_id": programme.id, "goals": goals, "targets": targets}


def _month(column):
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def participants_by_month(programme, organisation_ids=None, filters=None):
    """[(YYYY-MM, new participants, cumulative)]: people by the month of their first attended session.

    Without a period, from the ledger (each enrollment's first attended session); with
    one, the first attended session within it comes from the marks."""
    from lms.catalog.models import Session

    if not _has_period(filters):
        first = (select(Participation.person_id, func.min(Participation.first_attended_at).label("first"))
                 .where(Participation.programme_id == programme.id, Participation.first_attended_at.is_not(None))
                 .group_by(Participation.person_id))
        return _months(_ledger_scope(first, programme, organisation_ids, filters))
    first = (
        select(Enrollment.person_id, func.min(Session.starts_at).label("first"))
        .select_from(Attendance).join(Enrollment, Enrollment.id == Attendance.enrollment_id)
        .join(Session, Session.id == Attendance.session_id).join(Event, Event.id == Session.event_id)
        .join(Activity, Activity.id == Event.activity_id)
        .where(Activity.programme_id == programme.id, Attendance.status.in_(ATTENDED))
        .group_by(Enrollment.person_id)
    )
    first = _period(_activity_filter(first, filters), Session.starts_at, filters)
    if organisation_ids is not None:
        first = first.where(Enrollment.organisation_id.in_(organisation_ids or {-1}))
    return _months(first)


def _has_period(filters):
    return bool(filters and (filters.get("start") or filters.get("end")))


def _ledger_scope(query, programme, organisation_ids, filters):
    """``query`` over the ledger narrowed to the kind/theme filters and the organisations."""
    if filters and (filters.get("kind") or filters.get("theme_id")):
        query = query.where(Participation.activity_id.in_(
            _activity_filter(select(Activity.id).where(Activity.programme_id == programme.id), filters)))
    if organisation_ids is not None:
        query = query.where(Participation.organisation_id.in_(organisation_ids or {-1}))
    return query


def _months(first):
    first = first.subquery()
    month = _month(first.c.first)
    rows = db.session.execute(select(month, func.count()).group_by(month).order_by(month)).all()
    total, out = 0, []
    for m, n in rows:
        total += n
        out.append((m, n, total))
    return out


def attendance_rate_by_kind(programme, organisation_ids=None, filters=None):
    """{kind: (marks present or late, all marks)} over the programme's sessions."""
    from sqlalchemy import case

    from lms.catalog.models import Session

    if not _has_period(filters):
        query = (select(Activity.kind, func.sum(Participation.attended_marks), func.sum(Participation.marks))
                 .join(Activity, Activity.id == Participation.activity_id)
                 .where(Participation.programme_id == programme.id, Participation.marks > 0)
                 .group_by(Activity.kind))
        query = _activity_filter(query, filters)
        if organisation_ids is not None:
            query = query.where(Participation.organisation_id.in_(organisation_ids or {-1}))
        return {kind: (int(ok or 0), int(n)) for kind, ok, n in db.session.execute(query)}
    query = (
        select(Activity.kind, func.sum(case((Attendance.status.in_(ATTENDED), 1), else_=0)), func.count())
        .select_from(Attendance).join(Enrollment, Enrollment.id == Attendance.enrollment_id)
        .join(Session, Session.id == Attendance.session_id).join(Event, Event.id == Session.event_id)
        .join(Activity, Activity.id == Event.activity_id)
        .where(Activity.programme_id == programme.id).group_by(Activity.kind)
    )
    query = _period(_activity_filter(query, filters), Session.starts_at, filters)
    if organisation_ids is not None:
        query = query.where(Enrollment.organisation_id.in_(organisation_ids or {-1}))
    return {kind: (int(ok or 0), int(n)) for kind, ok, n in db.session.execute(query)}


def cadence_warnings(programme, filters=None):
    """[(event title, CadenceWarning)] for the programme's events that fall short of the
    cadence their kind requires (the rows of :func:`cadence_report` that are short)."""
    return [(row["title"], row["warning"]) for row in _cadence_rows(programme, filters) if row["warning"]]


def parse_api_filters(args, programme, tz):
    """The progress API's filters (API.md): ``from``, ``to``, ``organisation_id``, ``kind``,
    ``theme_id``. Returns (filters, organisation id); any bad value is a 422 naming its
    parameter."""
    from lms.errors import ValidationError

    filters, _shown, organisation_id, problems = _read_filters(args, programme, tz, API_ARGS)
    if problems:
        raise ValidationError(_("Some values are not valid."), fields=problems)
    return filters, organisation_id


def cadence_report(programme, filters=None, now=None):
    """The progress answer's ``cadence`` rows: every event of a kind that keeps a meeting
    cadence, with its requirement (:meth:`lms.plugins.ActivityKind.cadence_per_year`), its
    meetings in the last 12 months and whether it falls short (the dashboard's rule,
    :func:`lms.attendance.cadence.shortfall`)."""
    return [{"activity_id": row["activity_id"], "event_id": row["event_id"], "title": row["title"],
             "required_per_year": row["per_year"], "meetings_last_12_months": row["last_year"],
             "short": row["warning"] is not None}
            for row in _cadence_rows(programme, filters, now)]


def _cadence_rows(programme, filters=None, now=None):
    """Every event of a kind that keeps a cadence, with its figures: one aggregate
    statement for the events' meetings (count, first, last, last 12 months), whatever
    their number, and one for the activities' settings."""
    from datetime import timedelta

    from sqlalchemy import case

    from lms.attendance.cadence import cadence_events_query, shortfall
    from lms.catalog.models import Session
    from lms.plugins import registry
    from lms.types import utcnow

    now = now or utcnow()
    recent = case((Session.starts_at.between(now - timedelta(days=365), now), 1), else_=0)
    query = (_activity_filter(cadence_events_query(programme.id), filters)
             .outerjoin(Session, Session.event_id == Event.id)
             .with_only_columns(Event.id, Event.activity_id, Event.title, Activity.title, Activity.kind,
                                func.count(Session.id), func.min(Session.starts_at, type_=Session.starts_at.type),
                                func.max(Session.ends_at, type_=Session.ends_at.type),
                                func.coalesce(func.sum(recent), 0))
             .group_by(Event.id, Event.activity_id, Event.title, Activity.title, Activity.kind))
    events = db.session.execute(query).all()
    settings = dict(db.session.execute(select(Activity.id, Activity.settings).where(
        Activity.id.in_({row[1] for row in events} or {-1}))).all())
    rows = []
    for event_id, activity_id, title, activity_title, kind_code, held, first, last, last_year in events:
        kind = registry.find(kind_code)
        per_year = int(kind.cadence_per_year(settings.get(activity_id) or {}) or 0) if kind is not None else 0
        rows.append({
            "activity_id": activity_id, "event_id": event_id, "title": title or activity_title,
            "per_year": per_year, "last_year": int(last_year),
            "warning": shortfall(per_year, held, first.date() if first else None, last.date() if last else None,
                                 programme.starts_on, programme.ends_on),
        })
    return rows
