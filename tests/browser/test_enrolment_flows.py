"""Staff enrol and cancel, a manager approves, a coordinator works the roster: in Chromium."""
import re


def _open_event(page, live_server):
    page.goto(live_server + "/?kind=seminar")
    links = page.locator(".card h3 a")
    for i in range(links.count()):
        links.nth(i).click()
        rows = page.locator("table tbody tr")
        for j in range(rows.count()):
            if "Open" in rows.nth(j).inner_text():
                rows.nth(j).locator("a").first.click()
                return page.url
        page.go_back()
    raise AssertionError("no open seminar event in the demo")


def test_staff_enrols_and_cancels(page, live_server, sign_in):
    sign_in("anna.personal@demo.brobygger.se")
    url = _open_event(page, live_server)
    page.get_by_role("button", name=re.compile("^(Enrol|Join the waiting list)$")).click()
    assert page.get_by_role("status").filter(has_text=re.compile("enrolled|waiting list", re.I)).count() >= 1
    page.goto(live_server + "/me/learning")
    assert page.get_by_role("heading", name="My learning").count() == 1
    page.goto(url)
    page.get_by_text("Cancel my enrolment").click()
    page.get_by_role("button", name="Yes, cancel").click()
    assert "The enrolment is cancelled." in page.content()


def test_manager_sees_approvals_and_coordinator_roster(page, live_server, sign_in):
    sign_in("chef.orebro@demo.brobygger.se")
    page.goto(live_server + "/manager/approvals")
    assert page.get_by_role("heading", name="Approvals").count() == 1
    # The person picker: a search for the manager's own staff, results as radio buttons.
    search = page.get_by_label("Find a person (name or email)")
    assert search.count() == 1
    search.fill("demo")
    page.get_by_role("button", name="Search").click()
    assert page.get_by_role("radio").count() >= 1
    page.get_by_role("button", name="Sign out").click()
    sign_in("koordinator@demo.brobygger.se")
    url = _open_event(page, live_server)
    event_id = url.rstrip("/").split("/")[-1]
    page.goto(f"{live_server}/events/{event_id}/roster")
    assert page.get_by_role("heading", name=re.compile("^Roster")).count() == 1
    page.get_by_label("Capacity").fill("150")
    page.get_by_role("button", name="Change capacity").click()
    assert "Capacity is now 150." in page.content()


def test_add_a_row_in_the_page(page, live_server, sign_in):
    """With JavaScript, "Add a row" adds an empty session row without leaving the page."""
    sign_in("koordinator@demo.brobygger.se")
    page.goto(live_server + "/admin/events/1")
    rows = page.locator("tr.session-row")
    before = rows.count()
    requests = []
    page.on("request", lambda r: requests.append(r) if r.method == "POST" else None)
    page.get_by_role("button", name="Add a row").click()
    assert rows.count() == before + 1
    assert requests == []
    assert page.locator(f"#s{before}-day").count() == 1
    assert page.locator("input[name='session_rows']").input_value() == str(before + 1)
    assert page.get_by_label(f"Date of session {before + 1}").count() == 1
