"""Business rules for organisations, job functions and people (shared by UI, API, CLI)."""
import csv
import io
import re

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from lms.auth.operations import hash_password
from lms.auth.sessions import end_other_sessions
from lms.errors import Conflict, ValidationError
from lms.extensions import db
from lms.people.models import (
    GENDERS, LOCALES, ORGANISATION_KINDS, ROLES, JobFunction, Organisation, Person, RoleGrant,
)
from lms.validation import (Problems, boolean, choice, control_characters_message, email as email_field,
                            has_control_characters, integer, normalise_email, text)

CODE_RE = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
IMPORT_COLUMNS = ("email", "name", "organisation", "function_code", "gender", "birth_year", "locale")


# Organisations ---------------------------------------------------------------

def _check_parent(org, parent_id, problems):
    if parent_id is None:
        return None
    parent = db.session.get(Organisation, parent_id)
    if parent is None:
        problems.add("parent_id", _("No such organisation."), "unknown_organisation")
        return None
    node = parent
    while node is not None:
        if org is not None and node.id == org.id:
            problems.add("parent_id", _("An organisation cannot be its own parent or ancestor."))
            return None
        node = node.parent
    return parent


def save_organisation(data, org=None):
    """Create (``org`` None) or update an organisation from a dict of fields."""
    problems = Problems()
    creating = org is None
    name = text(data, "name", problems, required=creating, max_length=200)
    kind = choice(data, "kind", list(ORGANISATION_KINDS), problems, default="municipality" if creating else None)
    region = text(data, "region", problems, max_length=120)
    parent_id = integer(data, "parent_id", problems) if "parent_id" in data else None
    parent = _check_parent(org, parent_id, problems)
    if name:
        clash = db.session.scalar(select(Organisation).where(func.lower(Organisation.name) == name.lower()))
        if clash is not None and clash is not org:
            problems.add("name", _("An organisation with this name exists."))
    problems.raise_if_any()
    if creating:
        org = Organisation(name=name, kind=kind or "municipality")
        db.session.add(org)
    if name:
        org.name = name
    if kind:
        org.kind = kind
    if "region" in data:
        org.region = region or None
    if "parent_id" in data:
        org.parent = parent
    db.session.flush()
    return org


def delete_organisation(org):
    """Delete an organisation nobody refers to any more."""
    in_use = (
        db.session.scalar(select(func.count()).select_from(Person).where(Person.organisation_id == org.id))
        or db.session.scalar(select(func.count()).select_from(Organisation).where(Organisation.parent_id == org.id))
    )
    if in_use:
        raise Conflict(_("%(name)s still has people or member organisations; move them first.", name=org.name), code="conflict")
    db.session.delete(org)
    db.session.flush()


def organisations_query(q=None, kind=None, region=None):
    """Organisations by name, filtered by a name search, kind and region."""
    query = select(Organisation).order_by(Organisation.name)
    if q:
        query = query.where(Organisation.name.ilike(f"%{q}%"))
    if kind:
        query = query.where(Organisation.kind == kind)
    if region:
        query = query.where(Organisation.region.ilike(f"%{region}%"))
    return query


# Job functions ---------------------------------------------------------------

def save_function(data, fn=None):
    """Create or update a job function. Codes are stable: they cannot change once set."""
    problems = Problems()
    creating = fn is None
    code = text(data, "code", problems, required=creating, max_length=60) if creating else None
    name = text(data, "name", problems, required=creating, max_length=200)
    if code is not None:
        if not CODE_RE.match(code):
            problems.add("code", _("Use lower-case letters, digits and _ (e.g. unit_manager)."))
        elif db.session.scalar(select(JobFunction).where(JobFunction.code == code)) is not None:
            problems.add("code", _("This code is taken."))
    problems.raise_if_any()
    if creating:
        fn = JobFunction(code=code, name=name)
        db.session.add(fn)
    elif name:
        fn.name = name
    db.session.flush()
    return fn


def function_by_code(code):
    """The job function with this code, or None."""
    return db.session.scalar(select(JobFunction).where(JobFunction.code == code)) if code else None


# People ----------------------------------------------------------------------

def _roles(value, problems):
    if value is None:
        return None
    if not isinstance(value, list):
        problems.add("roles", _("Must be a list of roles."))
        return None
    grants = []
    for i, item in enumerate(value):
        if not isinstance(item, dict) or not isinstance(item.get("role"), str) or item["role"] not in ROLES:
            problems.add("roles", _("Item %(n)s: role must be one of %(roles)s.", n=i + 1, roles=", ".join(ROLES)))
            continue
        sub = Problems()
        org_id = integer(item, "organisation_id", sub)
        prog_id = integer(item, "programme_id", sub)
        if org_id is not None and db.session.get(Organisation, org_id) is None:
            sub.add("organisation_id", _("No such organisation."), "unknown_organisation")
        if prog_id is not None:
            from lms.programmes.models import Programme

            if db.session.get(Programme, prog_id) is None:
                sub.add("programme_id", _("No such programme."))
        if item["role"] == "manager" and org_id is None:
            sub.add("organisation_id", _("A manager needs an organisation."))
        for problem_list in (v for k, v in sub.items() if k != "_codes"):
            for p in problem_list:
                problems.add("roles", _("Item %(n)s: %(problem)s", n=i + 1, problem=p))
        for code in sub.get("_codes", ()):
            problems.setdefault("_codes", set()).add(code)
        grants.append((item["role"], prog_id if item["role"] == "coordinator" else None,
                       org_id if item["role"] == "manager" else None))
    return list(dict.fromkeys(grants))


def save_person(data, person=None, by=None):
    """Create or update a person: :func:`parse_person`, then :func:`apply_person`."""
    return apply_person(parse_person(data, person, by), person)


def parse_person(data, person=None, by=None):
    """Person ``{attribute: value}`` from API-named ``data``; ValidationError, or 409 if ``by`` locks out an admin."""
    from datetime import date

    problems = Problems()
    creating = person is None
    email = email_field(data, "email", problems, required=creating)
    if email is not None:
        clash = db.session.scalar(select(Person).where(Person.email == email))
        if clash is not None and clash is not person:
            problems.add("email", _("Someone already has this email address."))
    name = text(data, "name", problems, required=creating, max_length=200)
    organisation = None
    if data.get("organisation_id") is not None:
        org_id = integer(data, "organisation_id", problems, code="unknown_organisation")
        if org_id is not None:
            organisation = db.session.get(Organisation, org_id)
            if organisation is None:
                problems.add("organisation_id", _("No such organisation."), "unknown_organisation")
    function = None
    if data.get("function_code") is not None:
        code = text(data, "function_code", problems, max_length=60)
        if code:
            function = function_by_code(code)
            if function is None:
                problems.add("function_code", _("Unknown job function code."), "unknown_function")
    gender = choice(data, "gender", list(GENDERS), problems, default="unspecified" if creating else None)
    birth_year = integer(data, "birth_year", problems, minimum=1900, maximum=date.today().year - 10)
    locale = choice(data, "locale", list(LOCALES), problems, default="sv" if creating else None)
    password = data.get("password")
    if password is not None and password != "":
        if not isinstance(password, str) or len(password) < 8:
            problems.add("password", _("Use at least 8 characters."))
        elif len(password) > 200:
            problems.add("password", _("At most %(n)s characters.", n=200))
    active = boolean(data, "active", problems)
    roles = _roles(data.get("roles"), problems)
    problems.raise_if_any()
    if not creating:
        deactivating = active is False and person.active
        removing_admin = roles is not None and person.has_role("admin") and not any(r[0] == "admin" for r in roles)
        _guard_admins(person, by, deactivating=deactivating, removing_admin=removing_admin)
    changes = {}
    for field, value in (("email", email), ("name", name), ("gender", gender), ("locale", locale),
                         ("password", password), ("active", active), ("roles", roles)):
        if value is not None and value != "":
            changes[field] = value
    if "organisation_id" in data:
        changes["organisation"] = organisation
    if "function_code" in data:
        changes["job_function"] = function
    if "birth_year" in data:
        changes["birth_year"] = birth_year
    return changes


def apply_person(changes, person=None):
    """Write ``changes`` from :func:`parse_person`; a new password, deactivation or lost role ends other sessions."""
    changes = dict(changes)
    password = changes.pop("password", None)
    roles = changes.pop("roles", None)
    ends_sessions = person is not None and (
        (changes.get("active") is False and person.active)
        or (roles is not None and any((g.role, g.programme_id, g.organisation_id) not in set(roles) for g in person.roles))
        or password is not None
    )
    if person is None:
        person = Person()
        db.session.add(person)
    for name, value in changes.items():
        setattr(person, name, value)
    if password is not None:
        person.password_hash = hash_password(password)
    if roles is not None:
        wanted = set(roles)
        for grant in list(person.roles):
            if (grant.role, grant.programme_id, grant.organisation_id) not in wanted:
                person.roles.remove(grant)
        have = {(g.role, g.programme_id, g.organisation_id) for g in person.roles}
        for role, prog_id, org_id in roles:
            if (role, prog_id, org_id) not in have:
                person.roles.append(RoleGrant(role=role, programme_id=prog_id, organisation_id=org_id))
    db.session.flush()
    if ends_sessions:
        end_other_sessions(person)
    return person


def _active_admin_count():
    return db.session.scalar(
        select(func.count(func.distinct(Person.id))).join(RoleGrant, RoleGrant.person_id == Person.id)
        .where(Person.active.is_(True), RoleGrant.role == "admin")
    )


def _guard_admins(person, by, *, deactivating=False, removing_admin=False):
    """Nobody deactivates or demotes themself, and the last active administrator stays."""
    if not (deactivating or removing_admin):
        return
    if by is not None and by.id == person.id:
        if deactivating:
            raise Conflict(_("You cannot deactivate your own account."), code="own_account")
        raise Conflict(_("You cannot remove your own administrator role."), code="own_account")
    if person.active and person.has_role("admin") and _active_admin_count() <= 1:
        raise Conflict(
            _("%(name)s is the last active administrator. Make someone else an administrator first.", name=person.name),
            code="last_admin",
        )


def people_query(visible, q=None, organisation_id=None, function_code=None, role=None):
    """People the viewer may see, filtered. ``visible`` is the access policy's SQL
    condition on ``Person`` for the viewer (``policy.visible_people_clause``: managers see
    their organisations' staff, ...); None means everyone."""
    query = select(Person).order_by(Person.name, Person.id)
    if visible is not None:
        query = query.where(visible)
    if q:
        like = f"%{q.lower()}%"
        query = query.where(or_(func.lower(Person.name).like(like), Person.email.like(like)))
    if organisation_id:
        query = query.where(Person.organisation_id == organisation_id)
    if function_code:
        query = query.join(JobFunction, Person.job_function_id == JobFunction.id).where(JobFunction.code == function_code)
    if role:
        query = query.where(Person.roles.any(RoleGrant.role == role))
    return query


def set_active(person, active, by=None):
    """Activate or deactivate; deactivating ends the person's sessions and API tokens."""
    deactivating = person.active and not active
    _guard_admins(person, by, deactivating=deactivating)
    person.active = bool(active)
    db.session.flush()
    if deactivating:
        end_other_sessions(person)
    return person


def import_people(raw):
    """Create or update people from CSV text: :func:`parse_import`, then :func:`apply_import`."""
    return apply_import(parse_import(raw))


def parse_import(raw):
    """Checked rows from CSV text (IMPORT_COLUMNS), or one ValidationError with ``rows=[{"row", "problems"}]``."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(_("The file must be UTF-8 encoded CSV."), rows=[]) from None
    raw = raw.lstrip("\ufeff")
    try:
        sample = raw[:4096]
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample.strip() else csv.excel
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(raw), dialect)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except (StopIteration, csv.Error):
        raise ValidationError(_("The file is empty."), rows=[{"row": 1, "problems": [_("No header row.")]}]) from None
    missing = [c for c in ("email", "name") if c not in header]
    if missing:
        raise ValidationError(
            _("Some columns are missing."),
            rows=[{"row": 1, "problems": [_("Missing column: %(col)s", col=c) for c in missing]}],
        )
    organisations = {o.name.lower(): o.id for o in db.session.scalars(select(Organisation))}
    functions = {f.code: f.id for f in db.session.scalars(select(JobFunction))}
    rows, problems_by_row, seen = [], [], {}
    try:
        for number, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            row = {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header) if h in IMPORT_COLUMNS}
            problems = []
            email, email_problem = normalise_email(row.get("email", ""))
            if email_problem is not None:
                problems.append(_("email: not a valid address"))
            elif email in seen:
                problems.append(_("email: also on row %(n)s", n=seen[email]))
            else:
                seen[email] = number
            if not row.get("name"):
                problems.append(_("name: required"))
            elif len(row["name"]) > 200:
                problems.append(_("name: at most 200 characters"))
            elif has_control_characters(row["name"]):
                problems.append(_("name: %(problem)s", problem=control_characters_message()))
            org = row.get("organisation")
            if org and org.lower() not in organisations:
                problems.append(_("organisation: unknown organisation \"%(name)s\"", name=org))
            code = row.get("function_code")
            if code and code not in functions:
                problems.append(_("function_code: unknown job function \"%(code)s\"", code=code))
            gender = row.get("gender") or "unspecified"
            if gender not in GENDERS:
                problems.append(_("gender: use one of %(values)s", values=", ".join(GENDERS)))
            birth_year = row.get("birth_year") or None
            if birth_year is not None:
                if not birth_year.isdecimal() or len(birth_year) != 4 or not 1900 <= int(birth_year) <= 2030:
                    problems.append(_("birth_year: give a year such as 1980"))
            locale = row.get("locale") or None
            if locale is not None and locale not in LOCALES:
                problems.append(_("locale: use one of %(values)s", values=", ".join(LOCALES)))
            if problems:
                problems_by_row.append({"row": number, "problems": [str(p) for p in problems]})
                continue
            rows.append({
                "email": email, "name": row["name"], "gender": gender, "locale": locale,
                "organisation_id": organisations[org.lower()] if org else None,
                "job_function_id": functions[code] if code else None,
                "birth_year": int(birth_year) if birth_year else None,
            })
    except csv.Error as exc:
        problems_by_row.append({"row": reader.line_num, "problems": [_("The CSV could not be read: %(error)s", error=str(exc))]})
    if problems_by_row:
        raise ValidationError(_("Nothing was imported: fix the rows below and try again."), rows=problems_by_row)
    return rows


def apply_import(rows):
    """Write rows from :func:`parse_import` (matched to people by email); ``{"created": n, "updated": n}``."""
    existing = {p.email: p for p in db.session.scalars(select(Person).where(Person.email.in_([r["email"] for r in rows])))}
    created = updated = 0
    for row in rows:
        person = existing.get(row["email"])
        if person is None:
            person = Person(email=row["email"], locale=row["locale"] or "sv")
            db.session.add(person)
            created += 1
        else:
            updated += 1
        person.name = row["name"]
        person.gender = row["gender"]
        for name in ("organisation_id", "job_function_id", "birth_year", "locale"):
            if row[name]:
                setattr(person, name, row[name])
    db.session.flush()
    return {"created": created, "updated": updated}


def ensure_admin(email, password, name=None):
    """Create (or promote) an administrator with this email and password."""
    email, email_problem = normalise_email(email or "")
    problems = Problems()
    if email_problem is not None:
        problems.add("email", _("Give a valid email address."))
    if not password or len(password) < 8:
        problems.add("password", _("Use at least 8 characters."))
    problems.raise_if_any()
    person = db.session.scalar(select(Person).where(Person.email == email))
    existing = person is not None
    if person is None:
        person = Person(email=email, name=name or email.split("@")[0], locale="en")
        db.session.add(person)
    person.password_hash = hash_password(password)
    person.active = True
    db.session.flush()
    if existing:
        end_other_sessions(person)
    if not any(g.role == "admin" for g in person.roles):
        person.roles.append(RoleGrant(role="admin"))
    db.session.flush()
    return person
