def test_dashboard_for_coordinator_with_filters(client, login, make, db):
    from demo.load import load_demo
    from sqlalchemy import select

    from lms.programmes.models import Programme

    load_demo()
    programme = db.session.scalar(select(Programme).where(Programme.code == "LC-KOMP"))
    login(make.person(role="coordinator"))
    page = client.get(f"/programmes/{programme.id}/dashboard").get_data(as_text=True)
    assert page.count('class="goal card"') == 11
    assert "<svg role=\"img\"" in page and "Planned and actual participants per job function" in page
    r = client.get(f"/programmes/{programme.id}/dashboard?kind=seminar&start=2020-01-01&end=bad&theme=x")
    assert r.status_code == 200
    r = client.get(f"/programmes/{programme.id}/export/goals.csv")
    assert r.status_code == 200 and "Competence development" in r.get_data(as_text=True)


def test_manager_dashboard_shows_only_own_staff(client, login, make, db):
    mine, other = make.organisation(), make.organisation()
    manager = make.person(role="manager", organisation=mine)
    make.person(organisation=mine, name="Own Colleague")
    make.person(organisation=other, name="Stranger Danger")
    login(manager)
    page = client.get("/manager").get_data(as_text=True)
    assert "Own Colleague" in page and "Stranger Danger" not in page
    login(make.person())
    assert client.get("/manager").status_code == 403
    programme = make.programme()
    assert client.get(f"/programmes/{programme.id}/dashboard").status_code == 403
