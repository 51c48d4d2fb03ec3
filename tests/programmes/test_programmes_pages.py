"""The coordinator pages of the programmes area."""
import io
import re

from sqlalchemy import select

from lms.programmes import operations as ops
from lms.programmes.models import Goal, OrganisationOutcome, Programme


def _text(r):
    return r.get_data(as_text=True)


def test_create_programme_flow(client, login, make, db):
    org = make.organisation()
    fn = make.function("counsellor_p", name="Counsellor")
    login(make.person(role="coordinator"))
    r = client.get("/admin/programmes/new")
    assert r.status_code == 200
    page = _text(r)
    assert f'for="planned_{fn.id}"' in page and org.name in page

    r = client.post("/admin/programmes/new", data={"code": "", "name": ""})
    assert r.status_code == 422 and 'id="code-error"' in _text(r)
    r = client.post("/admin/programmes/new", data={
        "code": "UJJU", "name": "Uddannelse til job", "starts_on": "2026-01-01", "ends_on": "2025-01-01",
        "organisation_ids": [str(org.id)], f"planned_{fn.id}": "31"})
    assert r.status_code == 422 and "before the start date" in _text(r)
    r = client.post("/admin/programmes/new", data={"code": "UJJU", "name": "U", f"planned_{fn.id}": "-3"})
    assert r.status_code == 422 and f'id="planned_{fn.id}-error"' in _text(r)
    r = client.post("/admin/programmes/new", data={"code": "UJJU", "name": "U", f"planned_{fn.id}": "many"})
    assert r.status_code == 422 and "Not a valid integer" in _text(r) and "must be between" not in _text(r)
    r = client.post("/admin/programmes/new", data={"code": "UJJU", "name": "U", "starts_on": "1 jan"})
    assert r.status_code == 422 and 'id="starts_on-error"' in _text(r)
    assert db.session.scalar(select(Programme).where(Programme.code == "UJJU")) is None

    r = client.post("/admin/programmes/new", data={
        "code": "UJJU", "name": "Uddannelse til job", "starts_on": "2026-01-01", "ends_on": "2026-12-31",
        "organisation_ids": [str(org.id)], f"planned_{fn.id}": "31", "issuer_name": "Region"})
    assert r.status_code == 302
    programme = db.session.scalar(select(Programme).where(Programme.code == "UJJU"))
    assert [(t.job_function_id, t.planned) for t in programme.targets] == [(fn.id, 31)]
    assert programme.organisations == [org] and programme.issuer_name == "Region"

    r = client.post("/admin/programmes/new", data={"code": "ujju", "name": "Again"})
    assert r.status_code == 422 and "Another programme has this code" in _text(r)

    page = _text(client.get(f"/admin/programmes/{programme.id}"))
    assert '<th scope="row">Counsellor</th><td class="num">31</td>' in page
    assert "<dt>Planned participants</dt><dd>31</dd>" in page and f"<li>{org.name}</li>" in page
    assert f"/admin/activities?programme_id={programme.id}" in page
    assert "No themes yet" in page and "No goals yet" in page


def test_edit_programme_flow(client, login, make, db):
    a, b = make.organisation(), make.organisation()
    fn1, fn2 = make.function(), make.function()
    programme = ops.save_programme({"code": "EDIT", "name": "Before", "organisation_ids": [a.id],
                                    "targets": [{"function_code": fn1.code, "planned": 4}]})
    login(make.person(role="coordinator"))
    page = _text(client.get(f"/admin/programmes/{programme.id}/edit"))
    assert re.search(rf'<input checked id="organisation_ids-\d+" name="organisation_ids" type="checkbox" value="{a.id}">', page)
    assert not re.search(rf'<input checked [^>]*value="{b.id}">', page)
    assert f'id="planned_{fn1.id}"' in page and 'value="4"' in page
    r = client.post(f"/admin/programmes/{programme.id}/edit", data={
        "code": "EDIT", "name": "After", "organisation_ids": [str(b.id)], f"planned_{fn2.id}": "7"})
    assert r.status_code == 302
    db.session.expire_all()
    programme = db.session.get(Programme, programme.id)
    assert programme.name == "After" and programme.organisations == [b]
    assert [(t.job_function_id, t.planned) for t in programme.targets] == [(fn2.id, 7)]


def test_programme_page_lists_totals_goals_and_activities(client, login, make, db):
    fn1, fn2 = make.function(name="Teacher"), make.function(name="Broker")
    programme = ops.save_programme({"code": "SHOW", "name": "Show", "starts_on": "2026-01-01",
                                    "targets": [{"function_code": fn1.code, "planned": 80},
                                                {"function_code": fn2.code, "planned": 6}]})
    act = make.activity(programme, title="Handledare steg 1")
    ops.save_goal(programme, {"title": "Handledare", "target": 20, "function_codes": [fn2.code], "activity_ids": [act.id]})
    org_goal = ops.save_goal(programme, {"title": "Avtal", "unit": "organisations", "target": 5})
    login(make.person(role="coordinator"))
    page = _text(client.get(f"/admin/programmes/{programme.id}"))
    assert "<dt>Planned participants</dt><dd>86</dd>" in page  # the facts list: 80 + 6
    tfoot = re.search(r"<tfoot>(.*?)</tfoot>", page, re.S).group(1)
    assert re.search(r'<th scope="row">Total</th><td class="num">86</td>', tfoot)
    assert f'<th scope="row">{fn1.name}</th><td class="num">80</td>' in page
    assert f'<th scope="row">{fn2.name}</th><td class="num">6</td>' in page
    assert "Handledare steg 1" in page and "Broker" in page
    assert f"/goals/{org_goal.id}/outcomes" in page
    assert page.count("<h1") == 1


def test_delete_programme(client, login, make, db):
    admin = make.person(role="admin")
    busy = make.programme()
    make.activity(busy)
    empty = make.programme()
    ops.save_theme(empty, {"name": "T"})
    ops.save_goal(empty, {"title": "G", "target": 1})
    login(admin)
    r = client.post(f"/admin/programmes/{busy.id}/delete", follow_redirects=True)
    assert "activities" in _text(r) and db.session.get(Programme, busy.id) is not None
    r = client.post(f"/admin/programmes/{empty.id}/delete")
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Programme, empty.id) is None


def test_themes_add_rename_reorder_delete(client, login, make, db):
    programme = make.programme()
    login(make.person(role="coordinator"))
    for name in ("Ett", "Två", "Tre"):
        assert client.post(f"/admin/programmes/{programme.id}/themes", data={"name": name}).status_code == 302
    r = client.post(f"/admin/programmes/{programme.id}/themes", data={"name": ""})
    assert r.status_code == 422 and 'id="name-error"' in _text(r)
    r = client.post(f"/admin/programmes/{programme.id}/themes", data={"name": "ett"})
    assert r.status_code == 422 and "already has a theme" in _text(r)
    db.session.expire_all()
    one, two, three = db.session.get(Programme, programme.id).themes

    r = client.post(f"/admin/themes/{two.id}", data={"name": "  "})
    assert r.status_code == 422 and f'id="theme-{two.id}-error"' in _text(r)
    assert client.post(f"/admin/themes/{two.id}", data={"name": "Två bis"}).status_code == 302
    assert client.post(f"/admin/themes/{three.id}/move", data={"direction": "up"}).status_code == 302
    assert client.post(f"/admin/themes/{three.id}/move", data={"direction": "sideways"}).status_code == 400
    db.session.expire_all()
    assert [t.name for t in db.session.get(Programme, programme.id).themes] == ["Ett", "Tre", "Två bis"]

    act = make.activity(programme, theme_id=one.id)
    page = _text(client.get(f"/admin/programmes/{programme.id}"))
    assert "Move up" in page and "Move down" in page and "Yes, delete" in page
    assert client.post(f"/admin/themes/{one.id}/delete").status_code == 302
    db.session.expire_all()
    assert [(t.name, t.position) for t in db.session.get(Programme, programme.id).themes] == [("Tre", 1), ("Två bis", 2)]
    assert act.theme_id is None  # the activity stays, without a theme


def test_goal_create_edit_delete(client, login, make, db):
    programme = make.programme()
    fn = make.function("broker_g")
    act = make.activity(programme, title="Mine")
    make.activity(title="Someone else's")
    login(make.person(role="coordinator"))
    page = _text(client.get(f"/admin/programmes/{programme.id}/goals/new"))
    assert "Mine" in page and "Someone else&#39;s" not in page and "Someone else's" not in page

    r = client.post(f"/admin/programmes/{programme.id}/goals/new", data={"title": "", "unit": "persons", "target": "x"})
    assert r.status_code == 422 and 'id="title-error"' in _text(r) and 'id="target-error"' in _text(r)
    r = client.post(f"/admin/programmes/{programme.id}/goals/new", data={
        "title": "Zero is fine", "unit": "persons", "target": "0", "basis": "attended"})
    assert r.status_code == 302
    r = client.post(f"/admin/programmes/{programme.id}/goals/new", data={
        "title": "84 staff", "unit": "persons", "target": "84", "basis": "completed",
        "function_codes": [fn.code], "activity_ids": [str(act.id)]})
    assert r.status_code == 302
    goal = db.session.scalar(select(Goal).where(Goal.title == "84 staff"))
    assert goal.functions == [fn] and goal.activities == [act] and goal.basis == "completed"

    page = _text(client.get(f"/admin/goals/{goal.id}"))
    assert re.search(r'<input checked id="function_codes-\d+" name="function_codes" type="checkbox" value="broker_g">', page)
    assert re.search(rf'<option selected value="{act.id}">Mine</option>', page)
    r = client.post(f"/admin/goals/{goal.id}", data={"title": "90 staff", "unit": "persons", "target": "90", "basis": "attended"})
    assert r.status_code == 302
    db.session.expire_all()
    goal = db.session.get(Goal, goal.id)
    assert (goal.title, goal.target, goal.functions, goal.activities) == ("90 staff", 90, [], [])
    assert client.post(f"/admin/goals/{goal.id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.get(Goal, goal.id) is None


def test_outcomes_page(client, login, make, db):
    mine, other, outside = make.organisation(name="Mine kommun"), make.organisation(name="Other kommun"), make.organisation(name="Outside")
    programme = ops.save_programme({"code": "OUT", "name": "Out", "organisation_ids": [mine.id, other.id]})
    goal = ops.save_goal(programme, {"title": "Avtal", "unit": "organisations", "target": 2})
    manager = make.person(role="manager", organisation=mine)
    login(manager)
    r = client.get(f"/goals/{goal.id}/outcomes")
    assert r.status_code == 200
    page = _text(r)
    assert "Mine kommun" in page and "Other kommun" not in page and "No outcomes recorded yet" in page
    r = client.post(f"/goals/{goal.id}/outcomes", data={"organisation_id": str(mine.id), "evidence": ""})
    assert r.status_code == 422 and 'id="evidence-error"' in _text(r)
    assert client.post(f"/goals/{goal.id}/outcomes", data={"organisation_id": str(other.id), "evidence": "x"}).status_code == 403
    r = client.post(f"/goals/{goal.id}/outcomes", data={
        "organisation_id": str(mine.id), "evidence": "Avtal undertecknat",
        "attachment": (io.BytesIO(b"%PDF-1.4 test"), "avtal.pdf")}, content_type="multipart/form-data")
    assert r.status_code == 302
    outcome = db.session.scalar(select(OrganisationOutcome).where(OrganisationOutcome.goal_id == goal.id))
    assert (outcome.organisation_id, outcome.recorded_by_id, outcome.attachment_name, outcome.attachment) == (
        mine.id, manager.id, "avtal.pdf", b"%PDF-1.4 test")
    page = _text(client.get(f"/goals/{goal.id}/outcomes"))
    assert "Avtal undertecknat" in page and manager.name in page and "avtal.pdf" in page
    r = client.get(f"/outcomes/{outcome.id}/attachment")
    assert r.status_code == 200 and r.data == b"%PDF-1.4 test"

    # A coordinator chooses among the participating organisations and sees every outcome.
    ops.record_outcome(goal, {"organisation_id": other.id, "evidence": "Other's evidence"}, None)
    login(make.person(role="coordinator"))
    page = _text(client.get(f"/goals/{goal.id}/outcomes"))
    assert "Other kommun" in page and "Other&#39;s evidence" in page and "Outside" not in page
    r = client.post(f"/goals/{goal.id}/outcomes", data={"organisation_id": str(outside.id), "evidence": "x"})
    assert r.status_code == 422 and 'id="organisation_id-error"' in _text(r)

    # The manager does not see the other organisation's outcome or attachment.
    login(manager)
    assert "Other&#39;s evidence" not in _text(client.get(f"/goals/{goal.id}/outcomes"))
    other_outcome = db.session.scalar(select(OrganisationOutcome).where(OrganisationOutcome.organisation_id == other.id))
    assert client.get(f"/outcomes/{other_outcome.id}/attachment").status_code == 403


def test_access_to_pages(client, login, make):
    programme = make.programme()
    goal = ops.save_goal(programme, {"title": "G", "unit": "organisations", "target": 1})
    theme = ops.save_theme(programme, {"name": "T"})
    assert client.get("/admin/programmes").status_code == 302  # to sign in
    login(make.person())
    assert client.get("/admin/programmes").status_code == 403
    assert client.get(f"/admin/programmes/{programme.id}").status_code == 403
    assert client.get("/admin/programmes/new").status_code == 403
    assert client.post("/admin/programmes/new", data={"code": "X", "name": "X"}).status_code == 403
    assert client.post(f"/admin/themes/{theme.id}/delete").status_code == 403
    assert client.get(f"/admin/goals/{goal.id}").status_code == 403
    assert client.get(f"/goals/{goal.id}/outcomes").status_code == 403
    login(make.person(role="coordinator", scope=make.programme()))
    assert client.get(f"/admin/programmes/{programme.id}").status_code == 403
    assert client.post(f"/admin/programmes/{programme.id}/delete").status_code == 403
    login(make.person(role="coordinator"))
    assert client.get("/admin/programmes/999999").status_code == 404
    assert client.get("/admin/goals/999999").status_code == 404
    assert client.post("/admin/themes/999999/move", data={"direction": "up"}).status_code == 404


def test_programme_list_filters_and_empty_state(client, login, make):
    login(make.person(role="admin"))
    page = _text(client.get("/admin/programmes?q=zzz-nothing"))
    assert "No programme matches" in page
    make.programme(code="FINDME", name="Hittas")
    make.programme(code="OTHER", name="Annat")
    page = _text(client.get("/admin/programmes?q=hittas"))
    assert "FINDME" in page and "OTHER" not in page
    assert client.get("/admin/programmes?page=abc").status_code == 200
