"""The dashboards on factory data (the demo programme's dashboard: tests/demo/test_demo_pages.py)."""


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


def test_dashboard_names_the_networks_short_of_their_cadence(client, login, make, db):
    from datetime import date

    programme = make.programme(starts_on=date(2027, 1, 1), ends_on=date(2027, 12, 31))
    short = make.event(make.activity(programme=programme, kind="network", title="Ledarnätverket",
                                     settings={"min_meetings": 1, "cadence_per_year": 12}), sessions=2)
    make.event(make.activity(programme=programme, kind="network", title="Kept",
                             settings={"min_meetings": 1, "cadence_per_year": 1}), sessions=2)
    login(make.person(role="coordinator"))
    page = client.get(f"/programmes/{programme.id}/dashboard").get_data(as_text=True)
    assert f'<li role="alert">{short.display_title}: 2 meetings planned, 12 expected.</li>' in page
    assert page.count('<li role="alert">') == 1
