def test_organisation_crud_and_errors(api, make):
    admin = make.person(role="admin")
    c = api(admin)
    r = c.post("/api/v1/organisations", json={"name": "Kinda kommun", "kind": "municipality", "region": "Östergötland"})
    assert r.status_code == 201
    org = r.get_json()
    assert set(org) == {"id", "name", "kind", "region", "parent_id"}
    fed = c.post("/api/v1/organisations", json={"name": "Förbundet", "kind": "federation"}).get_json()
    r = c.patch(f"/api/v1/organisations/{org['id']}", json={"parent_id": fed["id"]})
    assert r.status_code == 200 and r.get_json()["parent_id"] == fed["id"]
    r = c.patch(f"/api/v1/organisations/{fed['id']}", json={"parent_id": org["id"]})
    assert r.status_code == 422 and "parent_id" in r.get_json()["error"]["fields"]
    r = c.post("/api/v1/organisations", json={"name": "Kinda kommun"})
    assert r.status_code == 422 and "name" in r.get_json()["error"]["fields"]
    r = c.post("/api/v1/organisations", json={"name": 123, "kind": "planet"})
    body = r.get_json()["error"]
    assert r.status_code == 422 and {"name", "kind"} <= set(body["fields"])
    r = c.patch("/api/v1/organisations/999999", json={})
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"
    r = c.post("/api/v1/organisations", json={"name": "X", "parent_id": 999999})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "unknown_organisation"


def test_staff_cannot_write_but_can_read_organisations(api, make):
    staff = make.person()
    c = api(staff)
    assert c.get("/api/v1/organisations").status_code == 200
    r = c.post("/api/v1/organisations", json={"name": "Nope"})
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "forbidden"


def test_unauthenticated_is_401(client):
    r = client.get("/api/v1/organisations")
    assert r.status_code == 401 and r.get_json()["error"]["code"] == "unauthenticated"


def test_people_create_me_and_roles(api, make):
    admin = make.person(role="admin")
    org = make.organisation()
    make.function("teacher")
    c = api(admin)
    r = c.post("/api/v1/people", json={
        "email": "Sara.Ek@Example.org", "name": "Sara Ek", "organisation_id": org.id, "function_code": "teacher",
        "gender": "female", "birth_year": 1980, "locale": "sv", "password": "longenough",
        "roles": [{"role": "manager", "organisation_id": org.id}],
    })
    assert r.status_code == 201, r.get_json()
    person = r.get_json()
    assert person["email"] == "sara.ek@example.org"
    assert "password" not in person and "password_hash" not in person
    assert person["roles"] == [{"role": "manager", "organisation_id": org.id}]
    r = c.post("/api/v1/people", json={"email": "x@example.org", "name": "X", "function_code": "astronaut"})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "unknown_function"
    assert "function_code" in r.get_json()["error"]["fields"]
    me = api(make.person(name="Me Myself")).get("/api/v1/people/me").get_json()
    assert me["name"] == "Me Myself"


def test_manager_sees_only_own_organisation(api, make):
    mine, other = make.organisation(), make.organisation()
    manager = make.person(role="manager", organisation=mine)
    colleague = make.person(organisation=mine)
    stranger = make.person(organisation=other)
    c = api(manager)
    ids = {p["id"] for p in c.get("/api/v1/people?per_page=500").get_json()["items"]}
    assert colleague.id in ids and stranger.id not in ids
    assert c.get(f"/api/v1/people/{colleague.id}").status_code == 200
    assert c.get(f"/api/v1/people/{stranger.id}").status_code == 403
    assert c.patch(f"/api/v1/people/{colleague.id}", json={"name": "Hacked"}).status_code == 403


def test_staff_cannot_list_people(api, make):
    assert api(make.person()).get("/api/v1/people").status_code == 403


def test_pagination_arguments(api, make):
    c = api(make.person(role="admin"))
    for _ in range(3):
        make.organisation()
    body = c.get("/api/v1/organisations?per_page=2&page=1").get_json()
    assert len(body["items"]) == 2 and body["total"] >= 3
    assert c.get("/api/v1/organisations?per_page=501").status_code == 422
    assert c.get("/api/v1/organisations?page=abc").status_code == 422


def test_import_all_or_nothing(api, make, db):
    from sqlalchemy import func, select

    from lms.people.models import Person

    admin = make.person(role="admin")
    make.organisation(name="Tierps kommun")
    make.function("counsellor")
    c = api(admin)
    before = db.session.scalar(select(func.count()).select_from(Person))
    bad = ("email,name,organisation,function_code,gender,birth_year,locale\n"
           "a@example.org,Anna,Tierps kommun,counsellor,female,1970,sv\n"
           "not-an-email,Bo,Nowhere,astronaut,robot,19x0,fr\n")
    r = c.post("/api/v1/people/import", data=bad.encode(), content_type="text/csv")
    assert r.status_code == 422
    err = r.get_json()["error"]
    assert err["code"] == "validation_error"
    assert err["rows"][0]["row"] == 3 and len(err["rows"][0]["problems"]) == 6
    assert db.session.scalar(select(func.count()).select_from(Person)) == before
    good = "\ufeffemail,name,organisation,function_code,gender,birth_year,locale\na@example.org,Anna,Tierps kommun,counsellor,female,1970,sv\n\n"
    r = c.post("/api/v1/people/import", data=good.encode(), content_type="text/csv")
    assert r.status_code == 200 and r.get_json() == {"created": 1, "updated": 0}
    r = c.post("/api/v1/people/import", data=good.replace("Anna", "Anna B").encode(), content_type="text/csv")
    assert r.get_json() == {"created": 0, "updated": 1}


def test_import_garbage_never_500(api, make):
    c = api(make.person(role="admin"))
    answers = {
        b"": (400, "bad_request", "Send the CSV file as the request body (text/csv)."),
        b"\xff\xfe\x00garbage": (422, "validation_error", "The file must be UTF-8 encoded CSV."),
        b"just one line": (422, "validation_error", "Some columns are missing."),
        b'email,name\n"unterminated,quote\n': (422, "validation_error",
                                               "Nothing was imported: fix the rows below and try again."),
    }
    for body, (status, code, message) in answers.items():
        r = c.post("/api/v1/people/import", data=body, content_type="text/csv")
        error = r.get_json()["error"]
        assert (r.status_code, error["code"], error["message"]) == (status, code, message), body


def test_functions(api, make):
    c = api(make.person(role="admin"))
    r = c.post("/api/v1/functions", json={"code": "broker", "name": "Kompetensmäklare"})
    assert r.status_code == 201 and r.get_json()["code"] == "broker"
    assert c.post("/api/v1/functions", json={"code": "broker", "name": "Again"}).status_code == 422
    assert c.post("/api/v1/functions", json={"code": "Bad Code!", "name": "X"}).status_code == 422
    assert api(make.person()).post("/api/v1/functions", json={"code": "x", "name": "X"}).status_code == 403


def test_malformed_json(api, make):
    c = api(make.person(role="admin"))
    r = c.post("/api/v1/people", data="{", content_type="application/json")
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "bad_request"
    r = c.post("/api/v1/people", json=[1, 2])
    assert r.status_code == 400
