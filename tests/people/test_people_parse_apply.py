"""save_person and import_people are a parse step (checks, reads only) and an apply step (writes)."""
import pytest
from sqlalchemy import func, select

from lms.errors import Conflict, ValidationError
from lms.people import operations as ops
from lms.people.models import Person


def test_parse_person_writes_nothing_and_apply_writes_what_it_returned(db, make, request_context):
    org = make.organisation()
    person = make.person(name="Old Name", organisation=org)
    old_hash = person.password_hash
    changes = ops.parse_person({"name": "New Name", "password": "a-new-password", "organisation_id": None,
                                "roles": [{"role": "trainer"}]}, person)
    assert not db.session.new and not db.session.dirty
    assert person.name == "Old Name" and person.password_hash == old_hash and person.organisation is org
    assert changes == {"name": "New Name", "password": "a-new-password", "organisation": None,
                       "roles": [("trainer", None, None)]}

    ops.apply_person(changes, person)
    assert person.name == "New Name" and person.organisation is None
    assert person.password_hash != old_hash and [g.role for g in person.roles] == ["trainer"]


def test_parse_person_collects_every_problem_and_guards_admins_before_writing(db, make, request_context):
    admin = make.person(role="admin")
    with pytest.raises(ValidationError) as caught:
        ops.parse_person({"email": "nope", "birth_year": 1500, "password": "short", "locale": "xx"}, admin)
    assert set(caught.value.fields) == {"email", "birth_year", "password", "locale"}
    with pytest.raises(Conflict) as conflict:
        ops.parse_person({"name": "Renamed", "active": False}, admin, by=admin)
    assert conflict.value.code == "own_account"
    assert admin.active is True and admin.name != "Renamed" and not db.session.dirty


def test_parse_import_returns_clean_rows_and_apply_import_writes_them(db, make, request_context):
    org = make.organisation(name="Tierps kommun")
    fn = make.function("counsellor_pa")
    known = make.person(email="known@example.org", name="Known", locale="en")
    before = db.session.scalar(select(func.count()).select_from(Person))
    raw = ("email;name;organisation;function_code;gender;birth_year;locale\n"
           "New@Example.org;Nya;tierps kommun;counsellor_pa;female;1970;nb\n"
           "known@example.org;Known Again;;;;;\n")
    rows = ops.parse_import(raw)
    assert not db.session.new and not db.session.dirty
    assert db.session.scalar(select(func.count()).select_from(Person)) == before
    assert rows[0] == {"email": "new@example.org", "name": "Nya", "gender": "female", "locale": "nb",
                       "organisation_id": org.id, "job_function_id": fn.id, "birth_year": 1970}
    assert rows[1]["name"] == "Known Again" and rows[1]["organisation_id"] is None

    assert ops.apply_import(rows) == {"created": 1, "updated": 1}
    new = db.session.scalar(select(Person).where(Person.email == "new@example.org"))
    assert (new.name, new.organisation_id, new.job_function_id, new.gender, new.birth_year, new.locale) == (
        "Nya", org.id, fn.id, "female", 1970, "nb")
    assert known.name == "Known Again" and known.locale == "en" and known.organisation_id is not None
