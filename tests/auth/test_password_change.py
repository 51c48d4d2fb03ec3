"""Changing one's own password on a page."""
import pytest

GOOD = "correct horse battery"


def _change(client, current="password123", new=GOOD, confirm=None):
    return client.post("/account/password", data={
        "current_password": current, "new_password": new, "confirm": new if confirm is None else confirm})


def test_page_is_linked_from_the_header_and_needs_sign_in(client, make, login):
    assert client.get("/account/password").status_code == 302
    login(make.person())
    page = client.get("/").get_data(as_text=True)
    assert 'href="/account/password"' in page
    assert client.get("/account/password").status_code == 200


@pytest.mark.parametrize("fields, field, message", [
    ({"current": "wrong-password"}, "current_password", "This is not your current password."),
    ({"new": "short-pw-11"}, "new_password", "Use at least 12 characters."),
    ({"new": "qwerty123456"}, "new_password", "This password is too common."),
    ({"new": "QWERTY123456"}, "new_password", "This password is too common."),
    ({"confirm": "correct horse battery!"}, "confirm", "The two new passwords are not the same."),
])
def test_refused_changes_show_the_problem_beside_the_field_and_write_nothing(client, make, login, db, fields, field, message):
    person = make.person()
    before = person.password_hash
    login(person)
    r = _change(client, **fields)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert f'id="{field}-error"' in html and message in html
    db.session.refresh(person)
    assert person.password_hash == before


def test_common_list_is_shipped_and_case_insensitive():
    from lms.auth.operations import common_passwords, password_problems

    assert len(common_passwords()) > 5000
    assert password_problems("Password1234") and password_problems("password1234")
    assert password_problems("a-much-longer-passphrase") == []


def test_change_works_and_old_password_stops_working(client, make, login):
    person = make.person()
    login(person)
    assert _change(client).status_code == 302
    fresh = client.application.test_client()
    assert fresh.post("/login", data={"email": person.email, "password": "password123"}).status_code == 422
    assert fresh.post("/login", data={"email": person.email, "password": GOOD}).status_code == 302
