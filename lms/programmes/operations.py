"""Business rules for programmes, themes, goals and organisation outcomes."""
from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.errors import Conflict, ValidationError
from lms.extensions import db
from lms.people.models import JobFunction, Organisation
from lms.programmes.models import GOAL_BASES, GOAL_UNITS, Goal, OrganisationOutcome, Programme, TargetGroup, Theme
from lms.validation import Problems, choice, id_list, integer, iso_date, str_list, text


def _functions_by_code(codes, field, problems):
    if not codes:
        return []
    found = {f.code: f for f in db.session.scalars(select(JobFunction).where(JobFunction.code.in_(codes)))}
    for code in codes:
        if code not in found:
            problems.add(field, _("Unknown job function code: %(code)s", code=code), "unknown_function")
    return [found[c] for c in codes if c in found]


def _organisations(ids, problems):
    if not ids:
        return []
    found = {o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)))}
    for i in ids:
        if i not in found:
            problems.add("organisation_ids", _("No organisation with id %(id)s.", id=i), "unknown_organisation")
    return [found[i] for i in ids if i in found]


def _targets(value, problems):
    if value is None:
        return None
    if not isinstance(value, list):
        problems.add("targets", _("Must be a list of {function_code, planned}."))
        return None
    result = {}
    for item in value:
        if not isinstance(item, dict):
            problems.add("targets", _("Must be a list of {function_code, planned}."))
            continue
        sub = Problems()
        planned = integer(item, "planned", sub, required=True, minimum=0, maximum=1_000_000)
        code = item.get("function_code")
        fns = _functions_by_code([code] if isinstance(code, str) else [], "targets", problems)
        if not isinstance(code, str):
            problems.add("targets", _("function_code is required."))
        if sub.get("planned"):
            problems.add("targets", _("planned: %(problem)s", problem=sub["planned"][0]))
        if fns and planned is not None:
            result[fns[0].id] = planned
    return result


def save_programme(data, programme=None):
    """Create or update a programme: code, name, description, starts_on, ends_on,
    organisation_ids, targets [{function_code, planned}], certificate branding."""
    problems = Problems()
    creating = programme is None
    code = text(data, "code", problems, required=creating, max_length=40)
    name = text(data, "name", problems, required=creating, max_length=300)
    description = text(data, "description", problems, max_length=10000)
    starts_on = iso_date(data, "starts_on", problems)
    ends_on = iso_date(data, "ends_on", problems)
    branding = {f: text(data, f, problems, max_length=200) for f in ("issuer_name", "signer_name", "signer_title")}
    org_ids = id_list(data, "organisation_ids", problems)
    organisations = _organisations(org_ids, problems) if org_ids is not None else None
    targets = _targets(data.get("targets"), problems)
    if code:
        clash = db.session.scalar(select(Programme).where(func.lower(Programme.code) == code.lower()))
        if clash is not None and clash is not programme:
            problems.add("code", _("This code is taken."))
    start = starts_on if "starts_on" in data else (programme.starts_on if programme else None)
    end = ends_on if "ends_on" in data else (programme.ends_on if programme else None)
    if start and end and end < start:
        problems.add("ends_on", _("The end date is before the start date."))
    problems.raise_if_any()
    if creating:
        programme = Programme(code=code, name=name)
        db.session.add(programme)
    if code:
        programme.code = code
    if name:
        programme.name = name
    for field, value in (("description", description), ("starts_on", starts_on), ("ends_on", ends_on), *branding.items()):
        if field in data:
            setattr(programme, field, value or None)
    if organisations is not None:
        programme.organisations = organisations
    if targets is not None:
        existing = {t.job_function_id: t for t in programme.targets}
        for fn_id, planned in targets.items():
            if fn_id in existing:
                existing[fn_id].planned = planned
            else:
                programme.targets.append(TargetGroup(job_function_id=fn_id, planned=planned))
        for fn_id, target in existing.items():
            if fn_id not in targets:
                programme.targets.remove(target)
    db.session.flush()
    return programme


def delete_programme(programme):
    from lms.catalog.models import Activity

    if db.session.scalar(select(func.count()).select_from(Activity).where(Activity.programme_id == programme.id)):
        raise Conflict(_("The programme has activities; delete them first."), code="conflict")
    db.session.delete(programme)
    db.session.flush()


def save_theme(programme, data, theme=None):
    problems = Problems()
    name = text(data, "name", problems, required=True, max_length=300)
    problems.raise_if_any()
    if theme is None:
        position = max((t.position for t in programme.themes), default=0) + 1
        theme = Theme(programme=programme, name=name, position=position)
        db.session.add(theme)
    else:
        theme.name = name
    db.session.flush()
    return theme


def delete_theme(theme):
    """Delete a theme; its activities stay, without a theme."""
    db.session.delete(theme)
    db.session.flush()


def save_goal(programme, data, goal=None):
    """Create or update a goal: title, unit, target, basis, function_codes, activity_ids."""
    from lms.catalog.models import Activity

    problems = Problems()
    creating = goal is None
    title = text(data, "title", problems, required=creating, max_length=300)
    unit = choice(data, "unit", list(GOAL_UNITS), problems, default="persons" if creating else None)
    target = integer(data, "target", problems, required=creating, minimum=0, maximum=10_000_000)
    basis = choice(data, "basis", list(GOAL_BASES), problems, default="attended" if creating else None)
    codes = str_list(data, "function_codes", problems)
    functions = _functions_by_code(codes, "function_codes", problems) if codes is not None else None
    activity_ids = id_list(data, "activity_ids", problems)
    activities = None
    if activity_ids is not None:
        found = {a.id: a for a in db.session.scalars(select(Activity).where(Activity.id.in_(activity_ids or [-1])))}
        for i in activity_ids:
            if i not in found or found[i].programme_id != programme.id:
                problems.add("activity_ids", _("Activity %(id)s is not in this programme.", id=i))
        activities = [found[i] for i in activity_ids if i in found]
    problems.raise_if_any()
    if creating:
        position = max((g.position for g in programme.goals), default=0) + 1
        goal = Goal(programme=programme, title=title, position=position)
        db.session.add(goal)
    if title:
        goal.title = title
    if unit:
        goal.unit = unit
    if target is not None:
        goal.target = target
    if basis:
        goal.basis = basis
    if functions is not None:
        goal.functions = functions
    if activities is not None:
        goal.activities = activities
    db.session.flush()
    return goal


def delete_goal(goal):
    db.session.delete(goal)
    db.session.flush()


def record_outcome(goal, data, by, attachment=None):
    """Record evidence that an organisation reached an organisation goal."""
    problems = Problems()
    if goal.unit != "organisations":
        problems.add("goal", _("Outcomes are recorded for organisation goals only."))
    org_id = integer(data, "organisation_id", problems, required=True, code="unknown_organisation")
    evidence = text(data, "evidence", problems, required=True, max_length=20000)
    organisation = db.session.get(Organisation, org_id) if org_id is not None else None
    if org_id is not None and organisation is None:
        problems.add("organisation_id", _("No such organisation."), "unknown_organisation")
    problems.raise_if_any()
    outcome = OrganisationOutcome(goal=goal, organisation=organisation, recorded_by=by, evidence=evidence)
    if attachment is not None:
        filename, content = attachment
        if len(content) > 5 * 1024 * 1024:
            raise ValidationError(_("The file is too large (at most 5 MB)."), fields={"attachment": [_("At most 5 MB.")]})
        outcome.attachment_name, outcome.attachment = filename[:255], content
    db.session.add(outcome)
    db.session.flush()
    return outcome


def outcomes_query(goal, organisation_ids=None):
    query = select(OrganisationOutcome).where(OrganisationOutcome.goal_id == goal.id).order_by(OrganisationOutcome.recorded_at.desc())
    if organisation_ids is not None:
        query = query.where(OrganisationOutcome.organisation_id.in_(organisation_ids or {-1}))
    return query
