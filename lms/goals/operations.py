"""Progress against a programme's goals, counted in SQL (see the counting rules in API.md).

A person goal counts distinct persons with at least one enrollment in an event of a
linked activity (all the programme's activities when none is linked) that qualifies by
the goal's basis: ``attended`` = a session marked present or late, ``completed`` = a
completion. Only enrollments whose job function AT ENROLMENT is among the goal's
functions count (none = all). Each person is counted once, under the function,
organisation (both as at enrollment) and gender of their first qualifying enrollment, so
the breakdowns add up to the total. Organisation goals count organisations with an
outcome. ``organisation_ids`` limits everything to those organisations (managers).
"""
from sqlalchemy import and_, exists, func, literal, select

from lms.attendance.models import Attendance
from lms.catalog.models import Activity, Event
from lms.completion.models import Completion
from lms.enrollment.models import Enrollment
from lms.extensions import db
from lms.people.models import JobFunction, Person
from lms.programmes.models import Goal, OrganisationOutcome, goal_activity, goal_function

ATTENDED = ("present", "late")


def _qualifies(basis):
    if basis == "completed":
        return exists().where(Completion.enrollment_id == Enrollment.id)
    return exists().where(Attendance.enrollment_id == Enrollment.id, Attendance.status.in_(ATTENDED))


def _first_counted(goal, organisation_ids=None):
    """A subquery: one row per counted person (their first qualifying enrollment)."""
    linked = select(goal_activity.c.activity_id).where(goal_activity.c.goal_id == goal.id)
    has_links = db.session.scalar(select(exists(linked)))
    activities = linked if has_links else select(Activity.id).where(Activity.programme_id == goal.programme_id)
    query = (
        select(
            Enrollment.person_id.label("person_id"),
            Enrollment.job_function_id.label("job_function_id"),
            Enrollment.organisation_id.label("organisation_id"),
            func.row_number().over(partition_by=Enrollment.person_id,
                                   order_by=(Enrollment.created_at, Enrollment.id)).label("rn"),
        )
        .join(Event, Event.id == Enrollment.event_id)
        .where(Event.activity_id.in_(activities), _qualifies(goal.basis))
    )
    functions = select(goal_function.c.job_function_id).where(goal_function.c.goal_id == goal.id)
    if db.session.scalar(select(exists(functions))):
        query = query.where(Enrollment.job_function_id.in_(functions))
    if organisation_ids is not None:
        query = query.where(Enrollment.organisation_id.in_(organisation_ids or {-1}))
    ranked = query.subquery()
    return select(ranked).where(ranked.c.rn == 1).subquery()


def person_goal_progress(goal, organisation_ids=None):
    firsts = _first_counted(goal, organisation_ids)
    achieved = db.session.scalar(select(func.count()).select_from(firsts))
    by_function = dict(db.session.execute(
        select(func.coalesce(JobFunction.code, literal("unknown")), func.count())
        .select_from(firsts).outerjoin(JobFunction, JobFunction.id == firsts.c.job_function_id)
        .group_by(JobFunction.code)).all())
    by_organisation = {str(k if k is not None else "unknown"): v for k, v in db.session.execute(
        select(firsts.c.organisation_id, func.count()).group_by(firsts.c.organisation_id)).all()}
    by_gender = dict(db.session.execute(
        select(Person.gender, func.count()).select_from(firsts).join(Person, Person.id == firsts.c.person_id)
        .group_by(Person.gender)).all())
    return achieved, by_function, by_organisation, by_gender


def organisation_goal_progress(goal, organisation_ids=None):
    query = select(OrganisationOutcome.organisation_id).where(OrganisationOutcome.goal_id == goal.id).distinct()
    if organisation_ids is not None:
        query = query.where(OrganisationOutcome.organisation_id.in_(organisation_ids or {-1}))
    counted = query.subquery()
    ids = db.session.scalars(select(counted.c.organisation_id)).all()  # at most the programme's organisations
    return len(ids), {}, {str(i): 1 for i in ids}, {}


def target_actuals(programme, organisation_ids=None):
    """{job_function_id: distinct persons of that function (at enrolment) who attended}."""
    query = (
        select(Enrollment.job_function_id, func.count(func.distinct(Enrollment.person_id)))
        .join(Event, Event.id == Enrollment.event_id).join(Activity, Activity.id == Event.activity_id)
        .where(Activity.programme_id == programme.id, _qualifies("attended"))
        .group_by(Enrollment.job_function_id)
    )
    if organisation_ids is not None:
        query = query.where(Enrollment.organisation_id.in_(organisation_ids or {-1}))
    return dict(db.session.execute(query).all())


def progress(programme, organisation_ids=None):
    """The progress document of API.md for ``programme`` (limited to ``organisation_ids``)."""
    goals = []
    for goal in db.session.scalars(select(Goal).where(Goal.programme_id == programme.id).order_by(Goal.position, Goal.id)):
        counter = person_goal_progress if goal.unit == "persons" else organisation_goal_progress
        achieved, by_function, by_organisation, by_gender = counter(goal, organisation_ids)
        goals.append({
            "goal_id": goal.id, "title": goal.title, "unit": goal.unit, "target": goal.target, "basis": goal.basis,
            "achieved": achieved, "ratio": round(achieved / goal.target, 4) if goal.target else None,
            "by_function": by_function, "by_organisation": by_organisation, "by_gender": by_gender,
        })
    actual = target_actuals(programme, organisation_ids)
    targets = [{"function_code": t.job_function.code, "planned": t.planned, "actual": actual.get(t.job_function_id, 0)}
               for t in sorted(programme.targets, key=lambda t: t.job_function.code)]
    return {"programme_id": programme.id, "goals": goals, "targets": targets}
