"""No input gives a 500: ids beyond 32 bits, huge pages, control characters, wrong JSON types."""
import json

import pytest
from sqlalchemy import func, select

BIG = 2**31  # one past the largest value a 32-bit id column holds


# --- ids -------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/api/v1/programmes/{}", "/api/v1/people/{}", "/api/v1/events/{}",
                                 "/api/v1/enrollments/{}", "/api/v1/sessions/{}/attendance", "/api/v1/goals/{}"])
@pytest.mark.parametrize("ident", [BIG, 2**63 - 1, 2**63, 10**40])
def test_ids_beyond_32_bits_in_api_urls_are_404(api, make, url, ident):
    r = api(make.person(role="admin")).get(url.format(ident))
    assert r.status_code == 404
    assert r.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("url", ["/activities/{}", "/events/{}", "/admin/people/{}", "/admin/organisations/{}"])
def test_ids_beyond_32_bits_in_html_urls_are_404(login, make, url):
    client = login(make.person(role="admin"))
    assert client.get(url.format(BIG)).status_code == 404


def test_get_or_404_refuses_ids_beyond_32_bits_without_a_query(app, db, request_context):
    from lms.api.core import get_or_404
    from lms.errors import NotFound
    from lms.programmes.models import Programme

    with pytest.raises(NotFound):
        get_or_404(Programme, BIG)


def test_ids_beyond_32_bits_in_bodies_are_422_or_404(api, make, trained):
    admin = make.person(role="admin")
    c = api(admin)
    trainer, event = trained(sessions=1)
    programme = event.activity.programme
    r = c.post(f"/api/v1/events/{event.id}/enrollments", json={"person_id": BIG})
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"  # no such person
    r = c.post("/api/v1/activities", json={"programme_id": BIG, "kind": "seminar", "title": "T"})
    assert r.status_code == 422 and "programme_id" in r.get_json()["error"]["fields"]
    r = c.patch(f"/api/v1/activities/{event.activity_id}", json={"theme_id": BIG})
    assert r.status_code == 422 and "theme_id" in r.get_json()["error"]["fields"]
    r = c.patch(f"/api/v1/events/{event.id}", json={"trainer_ids": [BIG]})
    assert r.status_code == 422 and "trainer_ids" in r.get_json()["error"]["fields"]
    r = c.post(f"/api/v1/programmes/{programme.id}/goals", json={"title": "G", "target": 3, "activity_ids": [BIG]})
    assert r.status_code == 422 and "activity_ids" in r.get_json()["error"]["fields"]
    r = c.patch(f"/api/v1/programmes/{programme.id}", json={"organisation_ids": [BIG]})
    assert r.status_code == 422 and "organisation_ids" in r.get_json()["error"]["fields"]
    r = c.post("/api/v1/people", json={"email": "big@example.org", "name": "Big", "organisation_id": BIG})
    assert r.status_code == 422 and "organisation_id" in r.get_json()["error"]["fields"]
    r = c.post("/api/v1/people", json={"email": "big@example.org", "name": "Big", "roles": [{"role": "manager", "organisation_id": BIG}]})
    assert r.status_code == 422 and "roles" in r.get_json()["error"]["fields"]
    r = c.post("/api/v1/organisations", json={"name": "Big", "kind": "municipality", "parent_id": BIG})
    assert r.status_code == 422 and "parent_id" in r.get_json()["error"]["fields"]
    r = c.put(f"/api/v1/sessions/{event.sessions[0].id}/attendance", json=[{"enrollment_id": BIG, "status": "present"}])
    assert r.status_code == 422


@pytest.mark.parametrize("arg", ["programme_id", "theme_id"])
def test_ids_beyond_32_bits_in_query_filters_are_422(api, make, arg):
    r = api(make.person(role="admin")).get(f"/api/v1/activities?{arg}={BIG}")
    assert r.status_code == 422
    assert arg in r.get_json()["error"]["fields"]


def test_ids_beyond_32_bits_in_html_filters_are_not_500(login, make):
    client = login(make.person(role="admin"))
    assert client.get(f"/admin/people?organisation_id={BIG}").status_code == 422
    assert client.get(f"/activities?programme={BIG}").status_code == 422


# --- pages -----------------------------------------------------------------------------

@pytest.mark.parametrize("page", [str(10**19), str(2**62), str(BIG), "9" * 5000])
def test_huge_api_page_is_422(api, make, page):
    r = api(make.person(role="admin")).get(f"/api/v1/organisations?page={page}")
    assert r.status_code == 422
    assert "page" in r.get_json()["error"]["fields"]


def test_largest_api_page_is_an_empty_page(api, make):
    r = api(make.person(role="admin")).get(f"/api/v1/organisations?page={BIG - 1}&per_page=500")
    assert r.status_code == 200
    assert r.get_json()["items"] == []


@pytest.mark.parametrize("page", [str(10**19), str(2**62)])
def test_huge_html_page_is_not_500(login, make, page):
    client = login(make.person(role="admin"))
    assert client.get(f"/admin/people?page={page}").status_code == 422


def test_html_pagination_past_the_end_is_empty(app, db, make, request_context):
    from lms.people.models import Organisation
    from lms.web import Page

    make.organisation()
    page = Page(select(Organisation), 2**62, 25)
    assert page.items == [] and page.page == BIG - 1


# --- control characters ---------------------------------------------------------------

@pytest.mark.parametrize("name", ["A\x00B", "A\x01B", "A\tB", "A\nB", "A\x7fB", "A\x85B"])
def test_control_characters_in_single_line_text_are_422_and_not_stored(api, make, db, name):
    from lms.people.models import Organisation

    r = api(make.person(role="admin")).post("/api/v1/organisations", json={"name": name, "kind": "municipality"})
    assert r.status_code == 422
    assert "name" in r.get_json()["error"]["fields"]
    assert db.session.scalar(select(func.count()).select_from(Organisation).where(Organisation.name.like("A_B"))) == 0


def test_lone_surrogate_is_422(api, make):
    body = '{"name": "A\\ud800B", "kind": "municipality"}'
    r = api(make.person(role="admin")).post("/api/v1/organisations", data=body, content_type="application/json")
    assert r.status_code == 422
    assert "name" in r.get_json()["error"]["fields"]


def test_multi_line_text_keeps_tab_and_line_breaks_but_no_other_control(api, make):
    c = api(make.person(role="admin"))
    activity = make.activity()
    r = c.patch(f"/api/v1/activities/{activity.id}", json={"description": "one\r\ntwo\tthree"})
    assert r.status_code == 200 and r.get_json()["description"] == "one\r\ntwo\tthree"
    r = c.patch(f"/api/v1/activities/{activity.id}", json={"description": "one\x00two"})
    assert r.status_code == 422 and "description" in r.get_json()["error"]["fields"]


def test_control_characters_nested_in_a_body_name_the_path(api, trained, make):
    trainer, event = trained(sessions=1)
    r = api(make.person(role="admin")).put(f"/api/v1/sessions/{event.sessions[0].id}/attendance",
                                           json=[{"enrollment_id": 1, "status": "present", "note": "a\x00b"}])
    assert r.status_code == 422
    assert "[0].note" in r.get_json()["error"]["fields"]


def test_control_characters_in_reject_reason_are_422(api, make):
    event = make.event()
    event.activity.requires_approval = True
    person = make.person()
    c = api(person)
    enrollment_id = c.post(f"/api/v1/events/{event.id}/enrollments").get_json()["id"]
    r = api(make.person(role="admin")).post(f"/api/v1/enrollments/{enrollment_id}/reject", json={"reason": "no\x00"})
    assert r.status_code == 422 and "reason" in r.get_json()["error"]["fields"]


@pytest.mark.parametrize("query", ["q=a%00b", "q=a%1bb", "function_code=%00"])
def test_control_characters_in_query_filters_are_422(api, make, query):
    r = api(make.person(role="admin")).get(f"/api/v1/people?{query}")
    assert r.status_code == 422
    assert query.split("=")[0] in r.get_json()["error"]["fields"]


def test_control_characters_in_html_filters_are_422(login, make):
    client = login(make.person(role="admin"))
    r = client.get("/admin/organisations?q=a%00b")
    assert r.status_code == 422
    assert b"q:" in r.data


def test_control_characters_in_html_forms_are_refused_and_not_stored(login, make, db):
    from lms.people.models import Organisation

    client = login(make.person(role="admin"))
    r = client.post("/admin/organisations/new", data={"name": "Nul\x00Org", "kind": "municipality"})
    assert r.status_code == 422
    r = client.post("/admin/organisations/new", data={"name": "Tab\tOrg", "kind": "municipality"})
    assert r.status_code == 422  # single-line field: the WTForms validator says so beside it
    assert db.session.scalar(select(func.count()).select_from(Organisation).where(Organisation.name.like("%Org"))) == 0


def test_wtforms_validator_applies_the_single_and_multi_line_rules(app, request_context):
    from wtforms import Form, StringField, TextAreaField
    from werkzeug.datastructures import MultiDict

    from lms.forms import FlaskForm

    class F(FlaskForm):
        line = StringField()
        text = TextAreaField()

    form = F(formdata=MultiDict({"line": "a\tb", "text": "a\tb\nc"}), meta={"csrf": False})
    assert not form.validate()
    assert form.line.errors and not form.text.errors
    form = F(formdata=MultiDict({"line": "ab", "text": "a\x0bb"}), meta={"csrf": False})
    assert not form.validate() and form.text.errors


# --- wrong JSON types -------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    {"email": "t@example.org", "name": "T", "roles": [{"role": {"x": 1}}]},
    {"email": "t@example.org", "name": "T", "roles": [{"role": ["admin"]}]},
    {"email": "t@example.org", "name": "T", "roles": {"role": "admin"}},
    {"email": "t@example.org", "name": ["T"]},
    {"email": {"a": 1}, "name": "T"},
    {"email": "t@example.org", "name": "T", "organisation_id": True},
    {"email": "t@example.org", "name": "T", "organisation_id": "x"},
    {"email": "t@example.org", "name": "T", "function_code": ["a"]},
    {"email": "t@example.org", "name": "T", "birth_year": [1990]},
    {"email": "t@example.org", "name": "T", "gender": {}},
    {"email": "t@example.org", "name": "T", "locale": ["en"]},
    {"email": "t@example.org", "name": "T", "active": "yes"},
    {"email": "t@example.org", "name": "T", "password": 12345678},
])
def test_wrong_types_in_person_bodies_are_422(api, make, body):
    r = api(make.person(role="admin")).post("/api/v1/people", json=body)
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["error"]["fields"]


@pytest.mark.parametrize("body", [
    {"trainer_ids": "1,2"}, {"trainer_ids": [True]}, {"trainer_ids": [{"id": 1}]}, {"capacity": "many"},
    {"capacity": True}, {"sessions": "x"}, {"sessions": [1]}, {"sessions": [{"starts_at": 5}]}, {"title": {"a": 1}},
    {"status": ["open"]}, {"place": 3}, {"enrol_opens_at": 3},
])
def test_wrong_types_in_event_bodies_are_422(api, make, body):
    event = make.event()
    r = api(make.person(role="admin")).patch(f"/api/v1/events/{event.id}", json=body)
    assert r.status_code == 422, r.get_json()


@pytest.mark.parametrize("body", [
    {"title": "G", "target": 1, "activity_ids": "1"}, {"title": "G", "target": 1, "function_codes": [1]},
    {"title": "G", "target": "x"}, {"title": "G", "target": 1, "unit": {}}, {"title": "G", "target": 1, "basis": []},
    {"title": ["G"], "target": 1},
])
def test_wrong_types_in_goal_bodies_are_422(api, make, body):
    programme = make.programme()
    r = api(make.person(role="admin")).post(f"/api/v1/programmes/{programme.id}/goals", json=body)
    assert r.status_code == 422, r.get_json()


def test_booleans_are_not_ids(api, make):
    c = api(make.person(role="admin"))
    event = make.event()
    r = c.post(f"/api/v1/events/{event.id}/enrollments", json={"person_id": True})
    assert r.status_code == 422
    r = c.post("/api/v1/activities", json={"programme_id": True, "kind": "seminar", "title": "T"})
    assert r.status_code == 422


def test_ids_beyond_32_bits_in_html_form_posts_are_422(login, make, trained):
    client = login(make.person(role="admin"))
    trainer, event = trained(sessions=1)
    r = client.post(f"/events/{event.id}/roster/enrol", data={"person_id": str(BIG)})
    assert r.status_code == 422
    assert b"person_id" in r.data


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:30:00-01:00"])
def test_datetimes_that_overflow_in_utc_are_422(api, make, when):
    event = make.event()
    r = api(make.person(role="admin")).patch(f"/api/v1/events/{event.id}", json={"enrol_opens_at": when})
    assert r.status_code == 422
    assert "enrol_opens_at" in r.get_json()["error"]["fields"]


@pytest.mark.parametrize("capacity", ["²", "1" * 5000])
def test_capacity_digits_that_int_refuses_are_422(api, make, capacity):
    event = make.event()
    r = api(make.person(role="admin")).patch(f"/api/v1/events/{event.id}", json={"capacity": capacity})
    assert r.status_code == 422
    assert "capacity" in r.get_json()["error"]["fields"]


@pytest.mark.parametrize("raw", ['{"hours_per_session": NaN}', '{"hours_per_session": Infinity}', '{"hours_per_session": 1e400}'])
def test_non_finite_numbers_are_422(api, make, raw):
    activity = make.activity()
    r = api(make.person(role="admin")).patch(f"/api/v1/activities/{activity.id}", data=raw, content_type="application/json")
    assert r.status_code == 422
    assert "hours_per_session" in r.get_json()["error"]["fields"]


@pytest.mark.parametrize("item", [{"status": {"a": 1}}, {"status": "present", "minutes": 10**400}, {"status": "present", "minutes": 1e300}])
def test_wrong_attendance_values_are_422(api, trained, make, enrol, item):
    trainer, event = trained(sessions=1)
    enrollment = enrol(make.person(), event)
    r = api(trainer).put(f"/api/v1/sessions/{event.sessions[0].id}/attendance", json=[{"enrollment_id": enrollment.id, **item}])
    assert r.status_code == 422


@pytest.mark.parametrize("row", ["x@example.org,Tab\tName,,,,,", "x@example.org,Name,,,,{},".format("1" * 5000)])
def test_people_import_refuses_control_characters_and_giant_years(api, make, row):
    csv = "email,name,organisation,function_code,gender,birth_year,locale\n" + row + "\n"
    r = api(make.person(role="admin")).post("/api/v1/people/import", data=csv, content_type="text/csv")
    assert r.status_code == 422
    assert r.get_json()["error"]["rows"][0]["row"] == 2
