"""Keyboard only: staff enrols and cancels, a trainer marks a session; no mouse, no clicks."""
import re

import pytest


def _focused(page):
    return page.evaluate("""() => {
        const el = document.activeElement;
        return {tag: el.tagName, text: (el.innerText || el.value || el.getAttribute('aria-label') || '').trim(),
                href: el.getAttribute('href') || ''};
    }""")


def tab_to(page, matches, limit=400):
    """Press Tab until the focused element satisfies ``matches``; fail if it never does."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if matches(_focused(page)):
            return _focused(page)
    raise AssertionError("never reached the element with the keyboard")


def keyboard_sign_in(page, live_server, email, password="demo1234"):
    page.goto(f"{live_server}/login")
    tab_to(page, lambda f: f["tag"] == "INPUT" and page.evaluate("document.activeElement.type") == "email")
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/login" not in page.url


def test_staff_enrols_and_cancels_with_the_keyboard(page, live_server):
    keyboard_sign_in(page, live_server, "anna.personal@demo.brobygger.se")
    page.goto(live_server + "/?kind=seminar")
    # Walk the catalogue by keyboard to an activity, then to an open event.
    seen = set()
    for _attempt in range(12):
        page.goto(live_server + "/?kind=seminar")
        tab_to(page, lambda f: f["tag"] == "A" and re.match(r"^/activities/\d+$", f["href"] or "") is not None
               and f["href"] not in seen)
        seen.add(_focused(page)["href"])
        with page.expect_navigation():
            page.keyboard.press("Enter")
        if page.locator("td a[href^='/events/']", has_text=re.compile(".")).count() and "Open" in page.content():
            break
    tab_to(page, lambda f: f["tag"] == "A" and re.match(r"^/events/\d+$", f["href"] or "") is not None)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    event_url = page.url
    tab_to(page, lambda f: f["tag"] == "BUTTON" and re.match(r"^(Enrol|Join the waiting list)$", f["text"]))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert re.search(r"You are enrolled|waiting list", page.content())
    page.goto(event_url)
    tab_to(page, lambda f: f["tag"] == "SUMMARY" and f["text"] == "Cancel my enrolment")
    page.keyboard.press("Enter")
    tab_to(page, lambda f: f["tag"] == "BUTTON" and f["text"] == "Yes, cancel")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "The enrolment is cancelled." in page.content()


def test_trainer_marks_a_session_with_the_keyboard(page, live_server):
    keyboard_sign_in(page, live_server, "utbildare@demo.brobygger.se")
    page.goto(live_server + "/me/events")
    tab_to(page, lambda f: f["tag"] == "A" and re.match(r"^/sessions/\d+/attendance$", f["href"] or "") is not None)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    if page.locator(".status-button").count() == 0:
        pytest.skip("the demo trainer's first listed session has nobody to mark")
    focused = tab_to(page, lambda f: f["tag"] == "BUTTON" and f["text"] == "Late")
    row_id = page.evaluate("document.activeElement.closest('li').id")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    row = page.locator(f"#{row_id}")
    assert row.locator(".roster-status").inner_text().strip().startswith("Late")
    assert row.locator("button[aria-pressed='true']").inner_text().strip() == focused["text"]
