def test_programme_api_contract(api, make):
    admin = make.person(role="admin")
    org = make.organisation()
    make.function("teacher_p")
    c = api(admin)
    r = c.post("/api/v1/programmes", json={
        "code": "LC", "name": "Lärcentra", "starts_on": "2026-01-01", "ends_on": "2026-12-31",
        "organisation_ids": [org.id], "targets": [{"function_code": "teacher_p", "planned": 86}],
    })
    assert r.status_code == 201, r.get_json()
    p = r.get_json()
    assert {k: p[k] for k in ("code", "starts_on", "ends_on", "organisation_ids", "targets")} == {
        "code": "LC", "starts_on": "2026-01-01", "ends_on": "2026-12-31", "organisation_ids": [org.id],
        "targets": [{"function_code": "teacher_p", "planned": 86}]}
    r = c.patch(f"/api/v1/programmes/{p['id']}", json={"ends_on": "2025-01-01"})
    assert r.status_code == 422 and "ends_on" in r.get_json()["error"]["fields"]
    r = c.patch(f"/api/v1/programmes/{p['id']}", json={"targets": [{"function_code": "nope", "planned": 1}]})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "unknown_function"
    r = c.patch(f"/api/v1/programmes/{p['id']}", json={"organisation_ids": [999999]})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "unknown_organisation"
    r = c.patch(f"/api/v1/programmes/{p['id']}", json={"starts_on": "not a date", "organisation_ids": "x"})
    assert r.status_code == 422
    assert c.get("/api/v1/programmes/999999").status_code == 404


def test_staff_cannot_create_programme(api, make):
    r = api(make.person()).post("/api/v1/programmes", json={"code": "X", "name": "X"})
    assert r.status_code == 403


def test_themes_and_goals(api, make):
    coordinator = make.person(role="coordinator")
    programme = make.programme()
    act = make.activity(programme)
    other = make.activity()
    make.function("broker_p")
    c = api(coordinator)
    r = c.post(f"/api/v1/programmes/{programme.id}/themes", json={"name": "Jämställdhet"})
    assert r.status_code == 201 and r.get_json()["name"] == "Jämställdhet"
    assert c.get(f"/api/v1/programmes/{programme.id}/themes").get_json()["total"] == 1
    r = c.post(f"/api/v1/programmes/{programme.id}/goals", json={
        "title": "G1", "unit": "persons", "target": 180, "basis": "attended",
        "function_codes": ["broker_p"], "activity_ids": [act.id]})
    assert r.status_code == 201
    goal = r.get_json()
    assert goal["function_codes"] == ["broker_p"] and goal["activity_ids"] == [act.id]
    r = c.patch(f"/api/v1/goals/{goal['id']}", json={"activity_ids": [other.id]})
    assert r.status_code == 422 and "activity_ids" in r.get_json()["error"]["fields"]
    r = c.patch(f"/api/v1/goals/{goal['id']}", json={"target": -1, "basis": "vibes"})
    assert r.status_code == 422 and {"target", "basis"} <= set(r.get_json()["error"]["fields"])
    r = c.patch(f"/api/v1/goals/{goal['id']}", json={"target": 200})
    assert r.status_code == 200 and r.get_json()["target"] == 200


def test_outcomes_managers_only_for_their_organisation(api, make):
    programme = make.programme()
    mine, other = make.organisation(), make.organisation()
    programme.organisations = [mine, other]
    from lms.programmes.operations import save_goal

    goal = save_goal(programme, {"title": "O1", "unit": "organisations", "target": 11})
    manager = make.person(role="manager", organisation=mine)
    c = api(manager)
    r = c.post(f"/api/v1/goals/{goal.id}/outcomes", json={"organisation_id": mine.id, "evidence": "Avtal med 3 företag"})
    assert r.status_code == 201 and r.get_json()["organisation_id"] == mine.id
    r = c.post(f"/api/v1/goals/{goal.id}/outcomes", json={"organisation_id": other.id, "evidence": "x"})
    assert r.status_code == 403
    r = c.post(f"/api/v1/goals/{goal.id}/outcomes", json={"organisation_id": mine.id, "evidence": ""})
    assert r.status_code == 422
    assert api(make.person()).post(f"/api/v1/goals/{goal.id}/outcomes", json={"organisation_id": mine.id, "evidence": "x"}).status_code == 403
    coord = api(make.person(role="coordinator"))
    assert coord.post(f"/api/v1/goals/{goal.id}/outcomes", json={"organisation_id": other.id, "evidence": "ok"}).status_code == 201
    assert c.get(f"/api/v1/goals/{goal.id}/outcomes").get_json()["total"] == 1
    assert coord.get(f"/api/v1/goals/{goal.id}/outcomes").get_json()["total"] == 2


def test_programme_pages(client, login, make, db):
    from sqlalchemy import select

    from lms.programmes.models import Programme

    org = make.organisation()
    fn = make.function("counsellor_p")
    login(make.person(role="coordinator"))
    r = client.post("/admin/programmes/new", data={"code": "", "name": ""})
    assert r.status_code == 422
    r = client.post("/admin/programmes/new", data={
        "code": "UJJU", "name": "Uddannelse til job", "starts_on": "2026-01-01", "ends_on": "2025-01-01",
        "organisation_ids": [str(org.id)], f"planned-{fn.code}": "31"})
    assert r.status_code == 422 and "before the start date" in r.get_data(as_text=True)
    r = client.post("/admin/programmes/new", data={
        "code": "UJJU", "name": "Uddannelse til job", "starts_on": "2026-01-01", "ends_on": "2026-12-31",
        "organisation_ids": [str(org.id)], f"planned-{fn.code}": "31"})
    assert r.status_code == 302
    programme = db.session.scalar(select(Programme).where(Programme.code == "UJJU"))
    assert [t.planned for t in programme.targets] == [31]
    page = client.get(f"/admin/programmes/{programme.id}").get_data(as_text=True)
    assert "31" in page and org.name in page
    r = client.post(f"/admin/programmes/{programme.id}/themes", data={"name": "Vejledning"})
    assert r.status_code == 302
    r = client.post(f"/admin/programmes/{programme.id}/goals/new", data={
        "title": "84 staff", "unit": "persons", "target": "84", "basis": "completed", "function_codes": [fn.code]})
    assert r.status_code == 302
    db.session.refresh(programme)
    assert [t.name for t in programme.themes] == ["Vejledning"]
    assert programme.goals[0].functions == [fn]


def test_staff_cannot_open_programme_admin(client, login, make):
    programme = make.programme()
    login(make.person())
    assert client.get("/admin/programmes").status_code == 403
    assert client.get(f"/admin/programmes/{programme.id}").status_code == 403
