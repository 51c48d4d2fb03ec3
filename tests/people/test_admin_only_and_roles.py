"""People, organisations and job functions are written by administrators only: the
pages say so to coordinators and offer no link they cannot use; "Add a role" starts at
no role ("Choose a role"), never at Administrator."""
import re


def test_coordinator_people_page_says_only_admins_change_people(client, login, make):
    login(make.person(role="coordinator"))
    r = client.get("/admin/people")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "Only an administrator can add or change people." in html
    assert 'href="/admin/people/new"' not in html and 'href="/admin/people/import"' not in html


def test_admin_people_page_offers_the_buttons(client, login, make):
    login(make.person(role="admin"))
    html = client.get("/admin/people").get_data(as_text=True)
    assert 'href="/admin/people/new"' in html and 'href="/admin/people/import"' in html
    assert "Only an administrator can add or change people." not in html


def test_coordinator_organisation_and_function_pages(client, login, make):
    login(make.person(role="coordinator"))
    org = make.organisation()
    fn = make.function()
    html = client.get("/admin/organisations").get_data(as_text=True)
    assert "Only an administrator can add or change organisations." in html
    assert 'href="/admin/organisations/new"' not in html and f'href="/admin/organisations/{org.id}"' not in html
    html = client.get("/admin/functions").get_data(as_text=True)
    assert "Only an administrator can add or change job functions." in html
    assert 'href="/admin/functions/new"' not in html and f'href="/admin/functions/{fn.id}"' not in html


def test_coordinator_person_page_has_no_admin_buttons(client, login, make):
    coordinator = make.person(role="coordinator")
    person = make.person()
    login(coordinator)
    html = client.get(f"/admin/people/{person.id}").get_data(as_text=True)
    assert "Only an administrator can add or change people." in html
    assert f'href="/admin/people/{person.id}/edit"' not in html
    assert f'action="/admin/people/{person.id}/roles"' not in html


def test_header_offers_only_usable_links(client, login, make):
    login(make.person())
    html = client.get("/me/learning").get_data(as_text=True)
    nav = html.split('<nav aria-label="Main">')[1].split("</nav>")[0]
    for href in ("/admin/people", "/admin/functions", "/admin/activities", "/manager/approvals"):
        assert f'href="{href}"' not in nav


def test_add_a_role_defaults_to_choose_a_role(client, login, make, db):
    login(make.person(role="admin"))
    person = make.person()
    html = client.get(f"/admin/people/{person.id}").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="role"[^>]*>(.*?)</select>', html, re.S).group(1)
    options = re.findall(r'<option([^>]*)>([^<]*)</option>', select)
    assert options[0][1] == "Choose a role" and 'value=""' in options[0][0] and "selected" in options[0][0]
    assert [label for _attrs, label in options[1:]] == ["Trainer", "Manager", "Coordinator", "Administrator"]
    assert not any("selected" in attrs for attrs, _label in options[1:])
    # Submitting without choosing adds nothing and says why.
    r = client.post(f"/admin/people/{person.id}/roles", data={"role": "", "organisation_id": "", "programme_id": ""},
                    follow_redirects=True)
    assert "Choose a role." in r.get_data(as_text=True)
    db.session.refresh(person)
    assert person.roles == []
