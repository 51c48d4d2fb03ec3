"""Business rules for programmes, themes, goals and organisation outcomes.

The HTML views and the JSON API call these functions with plain dicts (JSON bodies, or
form data turned into the same shape). They ``flush()``; the request commits.
"""
import os

from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update

from lms.errors import Conflict, ValidationError
from lms.extensions import db
from lms.images import checked_image
from lms.people.models import JobFunction, Organisation
from lms.programmes.models import GOAL_BASES, GOAL_UNITS, Goal, OrganisationOutcome, Programme, TargetGroup, Theme
from lms.validation import Problems, choice, id_list, integer, iso_date, str_list, text

# Ids above this cannot exist (INTEGER columns); looking them up would overflow SQLite.
MAX_ID = 2**31 - 1
MAX_ATTACHMENT = 5 * 1024 * 1024


def _in_range(ids):
    return [i for i in ids if 0 < i <= MAX_ID]


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
    found = {o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(_in_range(ids) or [-1])))}
    for i in ids:
        if i not in found:
            problems.add("organisation_ids", _("No organisation with id %(id)s.", id=i), "unknown_organisation")
    return [found[i] for i in ids if i in found]


def _targets(value, problems):
    """``[{function_code, planned}]`` → {job_function_id: planned}, or None when absent."""
    if value is None:
        return None
    shape = _("Must be a list of objects with function_code and planned.")
    if not isinstance(value, list):
        problems.add("targets", shape)
        return None
    result = {}
    for item in value:
        if not isinstance(item, dict):
            problems.add("targets", shape)
            continue
        code = item.get("function_code")
        if not isinstance(code, str) or not code.strip():
            problems.add("targets", _("function_code is required."))
            continue
        code = code.strip()
        sub = Problems()
        planned = integer(item, "planned", sub, required=True, minimum=0, maximum=1_000_000)
        for problem in sub.get("planned", []):
            problems.add("targets", _("%(code)s: %(problem)s", code=code, problem=problem))
        functions = _functions_by_code([code], "targets", problems)
        if functions and planned is not None:
            result[functions[0].id] = planned
    return result


def _text_field(data, name, problems, creating, max_length):
    # A required field may be left out of a PATCH, but not sent empty.
    return text(data, name, problems, required=creating or name in data, max_length=max_length)


def programmes_query(search=None):
    """Programmes, newest first, optionally filtered by a words in the code or name."""
    query = select(Programme).order_by(Programme.starts_on.desc(), Programme.code)
    if search:
        pattern = f"%{search.strip().lower()}%"
        query = query.where(or_(func.lower(Programme.code).like(pattern), func.lower(Programme.name).like(pattern)))
    return query


def save_programme(data, programme=None):
    """Create (``programme`` None) or update a programme from ``data``.

    Keys: code (unique, case-insensitive), name, description, starts_on, ends_on
    (YYYY-MM-DD, ends_on not before starts_on), organisation_ids (each must exist:
    ``unknown_organisation``), targets [{function_code, planned >= 0}] (unknown codes:
    ``unknown_function``; the list replaces the planned numbers), and the certificate
    branding issuer_name, signer_name, signer_title. Absent keys are left unchanged.
    Raises ValidationError with every problem at once.
    """
    problems = Problems()
    creating = programme is None
    code = _text_field(data, "code", problems, creating, 40)
    name = _text_field(data, "name", problems, creating, 300)
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
            problems.add("code", _("Another programme has this code."))
    start = starts_on if "starts_on" in data else (programme.starts_on if programme else None)
    end = ends_on if "ends_on" in data else (programme.ends_on if programme else None)
    if start and end and end < start and not problems.get("starts_on") and not problems.get("ends_on"):
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
        for function_id, planned in targets.items():
            if function_id in existing:
                existing[function_id].planned = planned
            else:
                programme.targets.append(TargetGroup(job_function_id=function_id, planned=planned))
        for function_id, target in existing.items():
            if function_id not in targets:
                programme.targets.remove(target)
    db.session.flush()
    return programme


def planned_total(programme):
    """The sum of the programme's planned participants over all job functions."""
    return sum(t.planned for t in programme.targets)


def delete_programme(programme):
    """Delete a programme with its themes, goals and planned numbers.

    Refused (Conflict) while it has activities: they carry the participation history.
    """
    from lms.catalog.models import Activity

    count = db.session.scalar(select(func.count()).select_from(Activity).where(Activity.programme_id == programme.id))
    if count:
        raise Conflict(_("This programme has %(n)s activities. Delete or move them first; only a programme "
                         "without activities can be deleted.", n=count), code="conflict")
    db.session.delete(programme)
    db.session.flush()


def _renumber(themes):
    for position, theme in enumerate(themes, start=1):
        theme.position = position


def save_theme(programme, data, theme=None):
    """Add a theme to ``programme`` (at the end) or rename ``theme``. Names are unique
    within a programme (case-insensitive)."""
    problems = Problems()
    name = text(data, "name", problems, required=True, max_length=300)
    if name and any(t.name.lower() == name.lower() and t is not theme for t in programme.themes):
        problems.add("name", _("The programme already has a theme with this name."))
    problems.raise_if_any()
    if theme is None:
        position = max((t.position for t in programme.themes), default=0) + 1
        theme = Theme(programme=programme, name=name, position=position)
        db.session.add(theme)
    else:
        theme.name = name
    db.session.flush()
    return theme


def reorder_themes(programme, theme_ids):
    """Put the programme's themes in the order of ``theme_ids`` (all of them, once each)."""
    current = {t.id: t for t in programme.themes}
    if not isinstance(theme_ids, list) or sorted(theme_ids, key=str) != sorted(current, key=str):
        problems = Problems()
        problems.add("theme_ids", _("Give every theme of the programme exactly once."))
        problems.raise_if_any()
    _renumber([current[i] for i in theme_ids])
    db.session.flush()
    programme.themes.sort(key=lambda t: t.position)


def move_theme(theme, offset):
    """Move a theme ``offset`` places up (negative) or down (positive) in its programme."""
    themes = sorted(theme.programme.themes, key=lambda t: (t.position, t.id))
    index = themes.index(theme)
    target = min(max(index + offset, 0), len(themes) - 1)
    themes.insert(target, themes.pop(index))
    reorder_themes(theme.programme, [t.id for t in themes])


def delete_theme(theme):
    """Delete a theme; its activities stay in the programme, without a theme."""
    from lms.catalog.models import Activity

    # Explicit rather than relying on ON DELETE SET NULL, so activities already loaded
    # in this session see the change too.
    db.session.execute(update(Activity).where(Activity.theme_id == theme.id).values(theme_id=None))
    programme = theme.programme
    db.session.delete(theme)
    db.session.flush()
    db.session.expire(programme, ["themes"])
    _renumber(sorted(programme.themes, key=lambda t: (t.position, t.id)))
    db.session.flush()


def save_goal(programme, data, goal=None):
    """Create (``goal`` None) or update a goal of ``programme``.

    Keys: title, unit (persons | organisations), target (>= 0), basis (attended |
    completed; counts for person goals only), function_codes (job functions counted, empty
    = all; ``unknown_function``), activity_ids (activities that count; they must belong to
    the same programme). Absent keys are left unchanged.
    """
    from lms.catalog.models import Activity

    problems = Problems()
    creating = goal is None
    title = _text_field(data, "title", problems, creating, 300)
    unit = choice(data, "unit", list(GOAL_UNITS), problems, default="persons" if creating else None)
    target = integer(data, "target", problems, required=creating or "target" in data, minimum=0, maximum=10_000_000)
    basis = choice(data, "basis", list(GOAL_BASES), problems, default="attended" if creating else None)
    codes = str_list(data, "function_codes", problems)
    functions = _functions_by_code(codes, "function_codes", problems) if codes is not None else None
    activity_ids = id_list(data, "activity_ids", problems)
    activities = None
    if activity_ids is not None:
        found = {a.id: a for a in db.session.scalars(select(Activity).where(Activity.id.in_(_in_range(activity_ids) or [-1])))}
        for i in activity_ids:
            if i not in found or found[i].programme_id != programme.id:
                problems.add("activity_ids", _("Activity %(id)s is not in this programme.", id=i))
        activities = [found[i] for i in activity_ids if i in found]
    if goal is not None and unit == "persons" and goal.unit == "organisations" and goal.outcomes:
        problems.add("unit", _("Outcomes are recorded for this goal; it must keep counting organisations."))
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
    """Delete a goal and the outcomes recorded for it."""
    programme = goal.programme
    db.session.delete(goal)
    db.session.flush()
    db.session.expire(programme, ["goals"])


def outcome_organisations(programme):
    """A select() of the organisations outcomes can be recorded for: the programme's
    participating organisations and their members, or every organisation when the
    programme lists none."""
    query = select(Organisation).order_by(Organisation.name)
    ids = [o.id for o in programme.organisations]
    if ids:
        query = query.where(or_(Organisation.id.in_(ids), Organisation.parent_id.in_(ids)))
    return query


def record_outcome(goal, data, by, attachment=None):
    """Record evidence that an organisation reached an organisation goal.

    ``data``: organisation_id (an integer id; the organisation must take part in the
    programme, or exist when the programme lists no organisations) and evidence (text,
    required). ``attachment``: optional (filename, bytes), at most 5 MB, stored in the row.
    ``by`` is the person recording it.
    """
    problems = Problems()
    if goal.unit != "organisations":
        problems.add("goal", _("Outcomes are recorded for organisation goals only."))
    org_id = data.get("organisation_id")
    organisation = None
    if org_id is None or org_id == "":
        problems.add("organisation_id", _("This field is required."))
    elif isinstance(org_id, bool) or not isinstance(org_id, int):
        problems.add("organisation_id", _("Must be an organisation id (a whole number)."))
    else:
        organisation = db.session.get(Organisation, org_id) if 0 < org_id <= MAX_ID else None
        if organisation is None:
            problems.add("organisation_id", _("No organisation with id %(id)s.", id=org_id), "unknown_organisation")
        elif not db.session.scalar(select(func.count()).select_from(
                outcome_organisations(goal.programme).where(Organisation.id == org_id).subquery())):
            problems.add("organisation_id", _("This organisation does not take part in the programme."))
    evidence = text(data, "evidence", problems, required=True, max_length=20000)
    filename = content = None
    if attachment is not None:
        filename, content = attachment
        filename = os.path.basename((filename or "").replace("\\", "/"))[:255] or "evidence"
        if len(content) > MAX_ATTACHMENT:
            problems.add("attachment", _("The file is too large (at most 5 MB)."))
    problems.raise_if_any()
    outcome = OrganisationOutcome(goal=goal, organisation=organisation, recorded_by=by, evidence=evidence,
                                  attachment_name=filename, attachment=content)
    db.session.add(outcome)
    db.session.flush()
    return outcome


def outcomes_query(goal, organisation_ids=None):
    """The goal's outcomes, newest first; only those of ``organisation_ids`` when given."""
    query = (select(OrganisationOutcome).where(OrganisationOutcome.goal_id == goal.id)
             .order_by(OrganisationOutcome.recorded_at.desc(), OrganisationOutcome.id.desc()))
    if organisation_ids is not None:
        query = query.where(OrganisationOutcome.organisation_id.in_(organisation_ids or [-1]))
    return query


MAX_LOGO_BYTES = 1024 * 1024


def set_logo(programme, data):
    """Store (``data`` bytes) or remove (``None``) the logo printed on certificates.

    The upload must be a real PNG or JPEG of at most 4000 x 4000 pixels; what is stored
    is its re-encoded copy, at most 800 pixels on the longest side
    (:func:`lms.images.checked_image`)."""
    if data is None:
        programme.logo, programme.logo_mime = None, None
        db.session.flush()
        return programme
    if len(data) > MAX_LOGO_BYTES:
        raise ValidationError(_("The logo is too large (at most 1 MB)."), fields={"logo": [_("At most 1 MB.")]})
    data, mime = checked_image(data, "logo")
    programme.logo, programme.logo_mime = data, mime
    db.session.flush()
    return programme
