"""A coordinator and a staff member click through the product in Chromium."""


def test_catalogue_first_page(page, live_server):
    page.goto(live_server + "/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Catalogue")
    assert page.get_by_role("link", name="Handledare steg 3").count() == 1
    page.get_by_label("Kind").select_option("track")
    page.get_by_role("button", name="Search").click()
    assert page.get_by_role("link", name="Handledare steg 3").count() == 1
    assert page.get_by_role("link", name="Lokalt utvecklingsarbete", exact=False).count() == 0


def test_coordinator_sees_the_demo_programme(page, live_server, sign_in):
    sign_in("koordinator@demo.brobygger.se")
    page.get_by_role("link", name="Organisations").first.click()
    assert "17 results" in page.content()
    page.get_by_role("link", name="People").first.click()
    assert "260 results" in page.content()
    page.goto(live_server + "/admin/programmes")
    page.get_by_role("link", name="LC-KOMP").click()
    content = page.content()
    assert content.count("<li>") >= 8
    assert page.locator("#goals ~ .table-scroll table tbody tr").count() == 11
    page.goto(live_server + "/admin/activities?programme_id=1&kind=network")
    assert "3 results" in page.content()


def test_staff_cannot_open_admin_pages(page, live_server, sign_in):
    sign_in("anna.personal@demo.brobygger.se")
    response = page.goto(live_server + "/admin/people")
    assert response.status == 403
    assert page.get_by_role("heading", level=1).inner_text() == "Not allowed"


def test_keyboard_skip_link(page, live_server):
    page.goto(live_server + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").strip() == "Skip to content"
