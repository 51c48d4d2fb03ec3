"""The programmes area's JSON API: shapes, status codes, validation and access."""
import pytest

from lms.programmes.operations import save_goal


@pytest.fixture
def admin_api(api, make):
    return api(make.person(role="admin"))


def _create(c, **body):
    data = {"code": "LC", "name": "Lärcentra", **body}
    return c.post("/api/v1/programmes", json=data)


def test_create_and_read_programme(admin_api, make):
    org = make.organisation()
    make.function("teacher_p")
    make.function("broker_p")
    r = _create(admin_api, starts_on="2026-01-01", ends_on="2026-12-31", organisation_ids=[org.id],
                targets=[{"function_code": "teacher_p", "planned": 86}, {"function_code": "broker_p", "planned": 0}])
    assert r.status_code == 201, r.get_json()
    p = r.get_json()
    assert isinstance(p["id"], int)
    assert {k: p[k] for k in ("code", "name", "starts_on", "ends_on", "organisation_ids")} == {
        "code": "LC", "name": "Lärcentra", "starts_on": "2026-01-01", "ends_on": "2026-12-31", "organisation_ids": [org.id]}
    assert sorted(p["targets"], key=lambda t: t["function_code"]) == [
        {"function_code": "broker_p", "planned": 0}, {"function_code": "teacher_p", "planned": 86}]
    r = admin_api.get(f"/api/v1/programmes/{p['id']}")
    assert r.status_code == 200 and r.get_json() == p
    listing = admin_api.get("/api/v1/programmes").get_json()
    assert {"items", "total", "page", "per_page"} <= set(listing) and p["id"] in [i["id"] for i in listing["items"]]
    assert admin_api.get("/api/v1/programmes?per_page=1").get_json()["per_page"] == 1
    assert admin_api.get("/api/v1/programmes?per_page=0").status_code == 422


def test_patch_is_partial_and_replaces_targets(admin_api, make):
    make.function("teacher_p")
    make.function("broker_p")
    p = _create(admin_api, starts_on="2026-01-01", targets=[{"function_code": "teacher_p", "planned": 5}]).get_json()
    r = admin_api.patch(f"/api/v1/programmes/{p['id']}", json={"name": "Nytt namn"})
    assert r.status_code == 200
    body = r.get_json()
    assert body["name"] == "Nytt namn" and body["code"] == "LC" and body["starts_on"] == "2026-01-01"
    assert body["targets"] == [{"function_code": "teacher_p", "planned": 5}]
    body = admin_api.patch(f"/api/v1/programmes/{p['id']}", json={
        "targets": [{"function_code": "broker_p", "planned": 3}], "issuer_name": "Länsstyrelsen"}).get_json()
    assert body["targets"] == [{"function_code": "broker_p", "planned": 3}]
    assert body["issuer_name"] == "Länsstyrelsen"
    assert admin_api.patch(f"/api/v1/programmes/{p['id']}", json={"starts_on": None}).get_json()["starts_on"] is None


def test_programme_validation(admin_api, make):
    p = _create(admin_api, starts_on="2026-01-01", ends_on="2026-12-31").get_json()
    url = f"/api/v1/programmes/{p['id']}"

    r = admin_api.patch(url, json={"ends_on": "2025-01-01"})
    assert r.status_code == 422 and "ends_on" in r.get_json()["error"]["fields"]
    r = _create(admin_api, code="LC2", starts_on="2026-05-01", ends_on="2026-04-30")
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "validation_error"

    r = admin_api.patch(url, json={"targets": [{"function_code": "nope", "planned": 1}]})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "unknown_function"
    assert "targets" in r.get_json()["error"]["fields"]
    r = admin_api.patch(url, json={"organisation_ids": [999999]})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "unknown_organisation"
    assert "organisation_ids" in r.get_json()["error"]["fields"]

    fn = make.function()
    r = admin_api.patch(url, json={"targets": [{"function_code": fn.code, "planned": -1}]})
    assert r.status_code == 422 and "targets" in r.get_json()["error"]["fields"]

    r = _create(admin_api)  # same code
    assert r.status_code == 422 and "code" in r.get_json()["error"]["fields"]
    r = _create(admin_api, code="lc")  # codes are unique regardless of case
    assert r.status_code == 422 and "code" in r.get_json()["error"]["fields"]
    r = admin_api.post("/api/v1/programmes", json={})
    assert r.status_code == 422 and {"code", "name"} <= set(r.get_json()["error"]["fields"])
    r = admin_api.patch(url, json={"name": ""})
    assert r.status_code == 422 and "name" in r.get_json()["error"]["fields"]

    # Nothing was written by the refused calls.
    assert admin_api.get(url).get_json() == p


@pytest.mark.parametrize("body", [
    {"starts_on": "not a date"}, {"starts_on": "2026-02-30"}, {"ends_on": 20260101}, {"starts_on": ["2026-01-01"]},
    {"organisation_ids": "1"}, {"organisation_ids": [True]}, {"organisation_ids": [2**40]},
    {"targets": {"a": 1}}, {"targets": ["x"]}, {"targets": [{"function_code": 5, "planned": 1}]},
    {"targets": [{"planned": 1}]}, {"targets": [{"function_code": "x", "planned": "many"}]},
    {"targets": [{"function_code": "x", "planned": 10**30}]}, {"code": 12}, {"name": None}, {"description": {"x": 1}},
    {"issuer_name": "x" * 201},
])
def test_bad_values_are_422_never_500(admin_api, body):
    p = _create(admin_api).get_json()
    r = admin_api.patch(f"/api/v1/programmes/{p['id']}", json=body)
    assert r.status_code == 422, (body, r.get_json())
    assert r.get_json()["error"]["fields"]


def test_malformed_json_and_unknown_ids(admin_api):
    r = admin_api.post("/api/v1/programmes", data="{", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "bad_request"
    assert admin_api.post("/api/v1/programmes", json=[1]).status_code == 400
    assert admin_api.get("/api/v1/programmes/999999").status_code == 404
    assert admin_api.patch("/api/v1/programmes/999999", json={}).status_code == 404
    assert admin_api.get("/api/v1/programmes/999999/themes").status_code == 404
    assert admin_api.post("/api/v1/programmes/999999/goals", json={"title": "x", "target": 1}).status_code == 404
    assert admin_api.patch("/api/v1/goals/999999", json={}).status_code == 404
    assert admin_api.post("/api/v1/goals/999999/outcomes", json={}).status_code == 404


def test_programme_access(api, make):
    programme = make.programme()
    staff = api(make.person())
    assert staff.post("/api/v1/programmes", json={"code": "X", "name": "X"}).status_code == 403
    assert staff.patch(f"/api/v1/programmes/{programme.id}", json={"name": "X"}).status_code == 403
    assert staff.post(f"/api/v1/programmes/{programme.id}/themes", json={"name": "X"}).status_code == 403
    assert staff.post(f"/api/v1/programmes/{programme.id}/goals", json={"title": "X", "target": 1}).status_code == 403
    assert staff.get(f"/api/v1/programmes/{programme.id}/goals").status_code == 403
    # Reading programmes is fine for anyone signed in.
    assert staff.get(f"/api/v1/programmes/{programme.id}").status_code == 200
    assert staff.get("/api/v1/programmes").status_code == 200
    assert api(None).get("/api/v1/programmes").status_code == 401
    # A coordinator limited to another programme cannot change this one.
    scoped = api(make.person(role="coordinator", scope=make.programme()))
    assert scoped.patch(f"/api/v1/programmes/{programme.id}", json={"name": "X"}).status_code == 403
    assert scoped.post("/api/v1/programmes", json={"code": "X", "name": "X"}).status_code == 403
    coordinator = api(make.person(role="coordinator"))
    assert coordinator.post("/api/v1/programmes", json={"code": "CO", "name": "X"}).status_code == 201
    assert coordinator.patch(f"/api/v1/programmes/{programme.id}", json={"name": "Y"}).status_code == 200


def test_themes(api, make):
    programme = make.programme()
    c = api(make.person(role="coordinator"))
    r = c.post(f"/api/v1/programmes/{programme.id}/themes", json={"name": "Jämställdhet"})
    assert r.status_code == 201 and r.get_json() == {"id": r.get_json()["id"], "name": "Jämställdhet"}
    c.post(f"/api/v1/programmes/{programme.id}/themes", json={"name": "Vägledning"})
    listing = c.get(f"/api/v1/programmes/{programme.id}/themes").get_json()
    assert listing["total"] == 2 and [t["name"] for t in listing["items"]] == ["Jämställdhet", "Vägledning"]
    for body in ({}, {"name": ""}, {"name": 5}, {"name": "jämställdhet"}):
        r = c.post(f"/api/v1/programmes/{programme.id}/themes", json=body)
        assert r.status_code == 422 and "name" in r.get_json()["error"]["fields"], body


def test_goals(api, make):
    coordinator = make.person(role="coordinator")
    programme = make.programme()
    act = make.activity(programme)
    other = make.activity()
    make.function("broker_p")
    c = api(coordinator)
    r = c.post(f"/api/v1/programmes/{programme.id}/goals", json={
        "title": "G1", "unit": "persons", "target": 180, "basis": "completed",
        "function_codes": ["broker_p"], "activity_ids": [act.id]})
    assert r.status_code == 201
    goal = r.get_json()
    assert goal == {"id": goal["id"], "programme_id": programme.id, "title": "G1", "unit": "persons", "target": 180,
                    "basis": "completed", "function_codes": ["broker_p"], "activity_ids": [act.id]}
    # Defaults: persons, attended, no functions (= all), no activities.
    r = c.post(f"/api/v1/programmes/{programme.id}/goals", json={"title": "G2", "target": 0})
    assert r.status_code == 201
    assert {k: r.get_json()[k] for k in ("unit", "basis", "target", "function_codes", "activity_ids")} == {
        "unit": "persons", "basis": "attended", "target": 0, "function_codes": [], "activity_ids": []}
    assert c.get(f"/api/v1/programmes/{programme.id}/goals").get_json()["total"] == 2

    url = f"/api/v1/goals/{goal['id']}"
    r = c.patch(url, json={"activity_ids": [other.id]})
    assert r.status_code == 422 and "activity_ids" in r.get_json()["error"]["fields"]
    r = c.patch(url, json={"activity_ids": [2**40]})
    assert r.status_code == 422 and "activity_ids" in r.get_json()["error"]["fields"]
    r = c.patch(url, json={"function_codes": ["nope"]})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "unknown_function"
    r = c.patch(url, json={"target": -1, "basis": "vibes", "unit": "bananas", "title": ""})
    assert r.status_code == 422 and {"target", "basis", "unit", "title"} <= set(r.get_json()["error"]["fields"])
    r = c.patch(url, json={"target": "many", "function_codes": "broker_p"})
    assert r.status_code == 422 and {"target", "function_codes"} <= set(r.get_json()["error"]["fields"])
    r = c.patch(url, json={"target": 200})
    assert r.status_code == 200 and r.get_json()["target"] == 200 and r.get_json()["activity_ids"] == [act.id]
    r = c.patch(url, json={"function_codes": [], "activity_ids": []})
    assert r.status_code == 200 and r.get_json()["function_codes"] == [] and r.get_json()["activity_ids"] == []
    r = c.post(f"/api/v1/programmes/{programme.id}/goals", json={"title": "no target"})
    assert r.status_code == 422 and "target" in r.get_json()["error"]["fields"]


def _org_goal(make, programme, *orgs):
    programme.organisations = list(orgs)
    return save_goal(programme, {"title": "O1", "unit": "organisations", "target": 11})


def test_outcomes_contract(api, make):
    programme = make.programme()
    org = make.organisation()
    goal = _org_goal(make, programme, org)
    coordinator = make.person(role="coordinator")
    c = api(coordinator)
    r = c.post(f"/api/v1/goals/{goal.id}/outcomes", json={"organisation_id": org.id, "evidence": "Avtal med 3 företag"})
    assert r.status_code == 201
    body = r.get_json()
    assert {k: body[k] for k in ("goal_id", "organisation_id", "evidence", "recorded_by_id")} == {
        "goal_id": goal.id, "organisation_id": org.id, "evidence": "Avtal med 3 företag", "recorded_by_id": coordinator.id}
    assert isinstance(body["id"], int) and body["recorded_at"].endswith("+00:00")
    listing = c.get(f"/api/v1/goals/{goal.id}/outcomes").get_json()
    assert listing["total"] == 1 and listing["items"][0]["id"] == body["id"]


@pytest.mark.parametrize("body, field", [
    ({"evidence": "x"}, "organisation_id"),
    ({"organisation_id": None, "evidence": "x"}, "organisation_id"),
    ({"organisation_id": "abc", "evidence": "x"}, "organisation_id"),
    ({"organisation_id": True, "evidence": "x"}, "organisation_id"),
    ({"organisation_id": 2**40, "evidence": "x"}, "organisation_id"),
    ({"organisation_id": 999999, "evidence": "x"}, "organisation_id"),
    ({"organisation_id": "ORG", "evidence": ""}, "evidence"),
    ({"organisation_id": "ORG", "evidence": "   "}, "evidence"),
    ({"organisation_id": "ORG"}, "evidence"),
    ({"organisation_id": "ORG", "evidence": ["x"]}, "evidence"),
])
def test_outcome_validation(api, make, body, field):
    programme = make.programme()
    org = make.organisation()
    goal = _org_goal(make, programme, org)
    body = {k: (org.id if v == "ORG" else v) for k, v in body.items()}
    r = api(make.person(role="coordinator")).post(f"/api/v1/goals/{goal.id}/outcomes", json=body)
    assert r.status_code == 422 and field in r.get_json()["error"]["fields"], r.get_json()


def test_outcome_rules(api, make):
    programme = make.programme()
    inside, outside = make.organisation(), make.organisation()
    member = make.organisation(parent_id=inside.id)
    goal = _org_goal(make, programme, inside)
    c = api(make.person(role="coordinator"))
    # Only organisations taking part (or members of one that does).
    r = c.post(f"/api/v1/goals/{goal.id}/outcomes", json={"organisation_id": outside.id, "evidence": "x"})
    assert r.status_code == 422 and "organisation_id" in r.get_json()["error"]["fields"]
    assert c.post(f"/api/v1/goals/{goal.id}/outcomes", json={"organisation_id": member.id, "evidence": "x"}).status_code == 201
    # A programme without participating organisations accepts any existing one.
    open_goal = _org_goal(make, make.programme())
    assert c.post(f"/api/v1/goals/{open_goal.id}/outcomes", json={"organisation_id": outside.id, "evidence": "x"}).status_code == 201
    # Person goals have no outcomes.
    person_goal = save_goal(programme, {"title": "P", "target": 1})
    r = c.post(f"/api/v1/goals/{person_goal.id}/outcomes", json={"organisation_id": inside.id, "evidence": "x"})
    assert r.status_code == 422 and "goal" in r.get_json()["error"]["fields"]
    # A goal with outcomes cannot become a person goal.
    r = c.patch(f"/api/v1/goals/{goal.id}", json={"unit": "persons"})
    assert r.status_code == 422 and "unit" in r.get_json()["error"]["fields"]


def test_managers_record_and_read_only_their_organisations(api, make):
    programme = make.programme()
    mine, other = make.organisation(), make.organisation()
    goal = _org_goal(make, programme, mine, other)
    manager = make.person(role="manager", organisation=mine)
    m = api(manager)
    r = m.post(f"/api/v1/goals/{goal.id}/outcomes", json={"organisation_id": mine.id, "evidence": "Avtal"})
    assert r.status_code == 201 and r.get_json()["organisation_id"] == mine.id
    assert m.post(f"/api/v1/goals/{goal.id}/outcomes", json={"organisation_id": other.id, "evidence": "x"}).status_code == 403
    # An id sent as text is refused, not looked up behind the access check's back.
    r = m.post(f"/api/v1/goals/{goal.id}/outcomes", json={"organisation_id": str(other.id), "evidence": "x"})
    assert r.status_code == 422
    staff = api(make.person(organisation=mine))
    assert staff.post(f"/api/v1/goals/{goal.id}/outcomes", json={"organisation_id": mine.id, "evidence": "x"}).status_code == 403
    assert staff.get(f"/api/v1/goals/{goal.id}/outcomes").status_code == 403
    coord = api(make.person(role="coordinator"))
    assert coord.post(f"/api/v1/goals/{goal.id}/outcomes", json={"organisation_id": other.id, "evidence": "ok"}).status_code == 201
    mine_only = m.get(f"/api/v1/goals/{goal.id}/outcomes").get_json()
    assert mine_only["total"] == 1 and {o["organisation_id"] for o in mine_only["items"]} == {mine.id}
    assert coord.get(f"/api/v1/goals/{goal.id}/outcomes").get_json()["total"] == 2
