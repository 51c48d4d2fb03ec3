"""Admins cannot lock themselves or everyone out; one email rule for form, API and import."""
import pytest


def test_admin_cannot_deactivate_themself_html(client, make, login, db):
    admin = make.person(role="admin")
    make.person(role="admin")
    login(admin)
    r = client.post(f"/admin/people/{admin.id}/active", data={"active": "0"})
    assert r.status_code == 409
    assert "You cannot deactivate your own account." in r.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.active is True


def test_admin_cannot_deactivate_or_demote_themself_api(make, api, db):
    admin = make.person(role="admin")
    make.person(role="admin")
    me = api(admin)
    r = me.patch(f"/api/v1/people/{admin.id}", json={"active": False})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "own_account"
    r = me.patch(f"/api/v1/people/{admin.id}", json={"roles": [{"role": "trainer"}], "name": "Renamed"})
    assert r.status_code == 409 and r.get_json()["error"]["message"] == "You cannot remove your own administrator role."
    db.session.refresh(admin)
    assert admin.active and admin.has_role("admin") and admin.name != "Renamed"


def test_admin_cannot_remove_own_admin_role_html(client, make, login, db):
    admin = make.person(role="admin")
    make.person(role="admin")
    login(admin)
    [grant] = admin.roles
    r = client.post(f"/admin/people/{admin.id}/roles/{grant.id}/delete")
    assert r.status_code == 409
    assert "You cannot remove your own administrator role." in r.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.has_role("admin")


def test_admin_cannot_untick_own_active_box_in_the_form(client, make, login, db):
    admin = make.person(role="admin")
    login(admin)
    r = client.post(f"/admin/people/{admin.id}/edit", data={
        "email": admin.email, "name": admin.name, "gender": "female", "locale": "en", "organisation_id": "",
        "function_code": ""})  # "active" left out = unticked
    assert r.status_code == 409
    db.session.refresh(admin)
    assert admin.active is True


def test_another_admin_can_be_deactivated_and_demoted(make, api, db):
    admin, other = make.person(role="admin"), make.person(role="admin")
    assert api(admin).patch(f"/api/v1/people/{other.id}", json={"roles": []}).status_code == 200
    assert api(admin).patch(f"/api/v1/people/{other.id}", json={"active": False}).status_code == 200


def test_last_active_admin_stays(request_context, make, db):
    from lms.errors import Conflict
    from lms.people import operations as ops

    only = make.person(role="admin")
    make.person(role="admin", active=False)
    with pytest.raises(Conflict) as caught:
        ops.set_active(only, False)
    assert caught.value.code == "last_admin"
    with pytest.raises(Conflict):
        ops.save_person({"roles": []}, only)
    assert only.active and only.has_role("admin")
    make.person(role="admin")
    ops.save_person({"roles": []}, only)
    assert not only.has_role("admin")


@pytest.mark.parametrize("address", [
    "a..b@example.org",        # consecutive dots
    "someone@example.org.",    # trailing dot
    "user@localhost",          # no dot in the domain
    "x" * 250 + "@example.org",  # longer than 254 characters
    "a@-example.org",
    "  Mixed.Case@Example.org  ",
    "anna@exämple.org",
])
def test_form_and_api_accept_and_refuse_the_same_addresses(client, make, login, api, db, address):
    from sqlalchemy import select

    from lms.people.models import Person

    admin = make.person(role="admin")
    by_api = api(admin).post("/api/v1/people", json={"email": address, "name": "Api"})
    login(admin)
    form_address = address.replace(address.strip(), "f" + address.strip())  # another person, same kind of address
    by_form = client.post("/admin/people/new", data={
        "email": form_address, "name": "Form", "gender": "female", "locale": "en", "organisation_id": "",
        "function_code": "", "active": "y"})
    api_ok, form_ok = by_api.status_code == 201, by_form.status_code == 302
    assert api_ok == form_ok, (by_api.status_code, by_form.status_code)
    if api_ok:
        assert by_api.get_json()["email"] == address.strip().lower()
        assert db.session.scalar(select(Person).where(Person.email == form_address.strip().lower())) is not None
    else:
        assert by_api.status_code == 422 and "email" in by_api.get_json()["error"]["fields"]
        assert by_form.status_code == 422


def test_import_uses_the_same_rule(make, api):
    admin = make.person(role="admin")
    r = api(admin).post("/api/v1/people/import", data="email,name\na..b@example.org,Bad\n", content_type="text/csv")
    assert r.status_code == 422
    assert r.get_json()["error"]["rows"][0]["problems"] == ["email: not a valid address"]
