def test_sign_in_with_right_password(client, make):
    person = make.person(email="anna@example.org", password="right-password", name="Anna Signedin")
    before = client.get("/account/password")  # for signed-in people only
    assert before.status_code == 302 and "/login" in before.headers["Location"]
    response = client.post("/login", data={"email": "anna@example.org", "password": "right-password"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/account/password").status_code == 200
    page = client.get("/").get_data(as_text=True)
    assert f'<span class="user-name">{person.name}</span>' in page
    assert 'action="/logout"' in page


def test_sign_in_refuses_wrong_password(client, make):
    make.person(email="bo@example.org", password="right-password")
    response = client.post("/login", data={"email": "bo@example.org", "password": "wrong"})
    assert response.status_code == 422
    assert b"Wrong email or password" in response.data


def test_api_token_and_revoke(client, make):
    make.person(email="cy@example.org", password="right-password")
    r = client.post("/api/v1/auth/token", json={"email": "cy@example.org", "password": "right-password"})
    assert r.status_code == 200
    token = r.get_json()["token"]
    h = {"Authorization": f"Bearer {token}"}
    assert client.delete("/api/v1/auth/token", headers=h).status_code == 204
    r = client.delete("/api/v1/auth/token", headers=h)
    assert r.status_code == 401
    assert r.get_json()["error"]["code"] == "unauthenticated"


def test_api_token_bad_credentials_same_answer(client, make):
    make.person(email="dy@example.org", password="right-password")
    a = client.post("/api/v1/auth/token", json={"email": "dy@example.org", "password": "nope"})
    b = client.post("/api/v1/auth/token", json={"email": "nobody@example.org", "password": "nope"})
    assert a.status_code == b.status_code == 401
    assert a.get_json() == b.get_json()


def test_api_malformed_json_is_400(client):
    r = client.post("/api/v1/auth/token", data="{not json", content_type="application/json")
    assert r.status_code == 400
    assert r.get_json()["error"]["code"] == "bad_request"


def test_login_fixture_switches_people(client, make, login):
    admin = make.person(role="admin")
    staff = make.person()
    login(admin)
    assert f'<span class="user-name">{admin.name}</span>' in client.get("/login").get_data(as_text=True)
    login(staff)
    page = client.get("/login").get_data(as_text=True)
    assert f'<span class="user-name">{staff.name}</span>' in page and admin.name not in page
