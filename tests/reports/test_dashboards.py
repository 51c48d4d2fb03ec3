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
