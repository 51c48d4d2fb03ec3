def test_admin_creates_organisation_and_sees_errors(client, login, make):
    login(make.person(role="admin"))
    r = client.post("/admin/organisations/new", data={"name": "", "kind": "municipality", "parent_id": ""})
    assert r.status_code == 422 and "This field is required" in r.get_data(as_text=True)
    r = client.post("/admin/organisations/new", data={"name": "Sala kommun", "kind": "municipality", "region": "Västmanland", "parent_id": ""})
    assert r.status_code == 302
    page = client.get("/admin/organisations?q=Sala").get_data(as_text=True)
    assert "Sala kommun" in page


def test_delete_organisation_asks_and_refuses_when_in_use(client, login, make, db):
    from lms.people.models import Organisation

    org = make.organisation(name="Used Org")
    make.person(organisation=org)
    login(make.person(role="admin"))
    page = client.get(f"/admin/organisations/{org.id}").get_data(as_text=True)
    assert "Yes, delete" in page
    r = client.post(f"/admin/organisations/{org.id}/delete", follow_redirects=True)
    assert "still has people" in r.get_data(as_text=True)
    assert db.session.get(Organisation, org.id) is not None


def test_people_list_filters_and_paginates(client, login, make):
    org = make.organisation(name="Filter Org")
    for i in range(30):
        make.person(organisation=org, name=f"Zeta {i:02d}")
    login(make.person(role="coordinator"))
    page = client.get(f"/admin/people?organisation_id={org.id}").get_data(as_text=True)
    assert "30 results" in page and "Page 1 of 2" in page
    assert "Zeta 29" not in page
    assert "Zeta 29" in client.get(f"/admin/people?organisation_id={org.id}&page=2").get_data(as_text=True)


def test_coordinator_reads_but_cannot_create_people(client, login, make):
    login(make.person(role="coordinator"))
    assert client.get("/admin/people").status_code == 200
    assert client.get("/admin/people/new").status_code == 403


def test_staff_forbidden_and_anonymous_redirected(client, login, make):
    assert client.get("/admin/people").status_code == 302
    login(make.person())
    assert client.get("/admin/people").status_code == 403


def test_admin_creates_person_with_role(client, login, make, db):
    from sqlalchemy import select

    from lms.people.models import Person

    org = make.organisation()
    fn = make.function("teacher_x")
    login(make.person(role="admin"))
    r = client.post("/admin/people/new", data={
        "email": "new@example.org", "name": "New Person", "organisation_id": str(org.id),
        "function_code": fn.code, "gender": "male", "locale": "sv", "active": "y",
    })
    assert r.status_code == 302
    person = db.session.scalar(select(Person).where(Person.email == "new@example.org"))
    r = client.post(f"/admin/people/{person.id}/roles", data={"role": "manager", "organisation_id": str(org.id), "programme_id": ""})
    assert r.status_code == 302
    db.session.refresh(person)
    assert [(g.role, g.organisation_id) for g in person.roles] == [("manager", org.id)]


def test_import_page_shows_row_problems(client, login, make):
    import io

    login(make.person(role="admin"))
    data = {"file": (io.BytesIO(b"email,name\nbad,\n"), "people.csv")}
    r = client.post("/admin/people/import", data=data, content_type="multipart/form-data")
    assert r.status_code == 422
    assert "email: not a valid address" in r.get_data(as_text=True)
