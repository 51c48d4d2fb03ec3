"""No page is wider than a phone: every HTML GET page of the app, opened by each demo role at
390 x 844 in English and in Swedish (the longest labels), fits the screen
(``document.documentElement.scrollWidth`` is not larger than the viewport).

The page list comes from the URL map (GET rules, minus the JSON API, static files and
downloads); URL parameters are filled with real ids from the demo programme. A page a role
may not open (401/403/404 or a redirect to the sign-in page) is skipped for that role.
"""
import re

import pytest

from tests.browser.pages import PHONE, ROLES, as_role, open_pages


def _overflows(page, base, urls):
    """(url, overflow in px) for each page wider than the viewport; the pages the role may
    not open are skipped. Also returns how many pages were measured."""
    wide, measured = [], 0
    width = page.viewport_size["width"]
    for url in open_pages(page, base, urls):
        measured += 1
        scroll = page.evaluate("document.documentElement.scrollWidth")
        if scroll > width:
            wide.append((url, scroll - width))
    return wide, measured


@pytest.mark.parametrize("locale", ["en", "sv"])
def test_no_page_is_wider_than_a_phone(browser, live_server, pages, locale):
    problems, measured = [], {}
    for role in ROLES:
        with as_role(browser, live_server, role, locale, viewport=PHONE) as page:
            wide, measured[role] = _overflows(page, live_server, pages)
        problems += [f"{role}: {url} is {px} px wider than the screen" for url, px in wide]
    assert all(measured.values()), f"a role opened no page: {measured}"
    assert problems == [], "\n".join(problems)


def test_page_list_covers_the_app(live_app, pages):
    """The list holds the pages this test is about (guards against an over-eager filter)."""
    for expected in ("/", "/me/learning", "/me/transcript", "/manager", "/me/events", "/manager/certificates"):
        assert expected in pages
    assert any(re.fullmatch(r"/events/\d+/roster", p) for p in pages)
    assert any(re.fullmatch(r"/sessions/\d+/attendance", p) for p in pages)
    assert any(re.fullmatch(r"/events/\d+/completion", p) for p in pages)
    assert any(re.fullmatch(r"/certificates/[^/.]+", p) for p in pages)
    assert not any(p.startswith("/api/") or p.endswith((".ics", ".pdf", ".csv", ".xlsx")) for p in pages)


def test_header_menu_collapses_on_a_phone(browser, live_server):
    """At 390 px the header links sit behind one "Menu" disclosure that the keyboard opens;
    at 1366 px they are a plain row and there is no Menu button."""
    with as_role(browser, live_server, "coordinator", viewport=PHONE) as page:
        menu = page.locator("header summary")
        people = page.locator("header nav").get_by_role("link", name="People", exact=True)
        assert menu.inner_text().strip() == "Menu" and menu.is_visible()
        assert not people.is_visible()
        menu.focus()
        page.keyboard.press("Enter")
        assert people.is_visible()
        assert page.locator("header details").get_attribute("open") is not None
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent").strip() == "Catalogue"

        page.set_viewport_size({"width": 1366, "height": 768})
        page.goto(live_server + "/me/learning")
        assert not menu.is_visible()
        assert people.is_visible()
        tops = page.locator("header nav a").evaluate_all("links => links.map(a => a.getBoundingClientRect().top)")
        assert len(set(tops)) <= 2, f"the menu is a row of links at 1366 px, not a column: {tops}"
