"""axe-core finds no WCAG 2.1 A/AA violations on the main pages (as visitor, staff, coordinator)."""
import pytest
from axe_playwright_python.sync_playwright import Axe

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def _violations(page):
    results = Axe().run(page, options=WCAG)
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]]


@pytest.mark.parametrize("path", ["/", "/login", "/activities/1", "/events/1", "/?kind=track&q=steg"])
def test_public_pages(page, live_server, path):
    page.goto(live_server + path)
    assert _violations(page) == []


def test_staff_pages(page, live_server, sign_in):
    sign_in("anna.personal@demo.brobygger.se")
    for path in ("/me/learning", "/me/transcript", "/checkin", "/me/calendar"):
        page.goto(live_server + path)
        assert _violations(page) == [], path


def test_coordinator_pages(page, live_server, sign_in):
    sign_in("koordinator@demo.brobygger.se")
    for path in ("/admin/people", "/admin/organisations", "/admin/programmes/1", "/admin/activities",
                 "/admin/programmes/1/activities/new/track", "/admin/events/1", "/events/1/roster", "/events/1/roster?q=demo", "/admin/people/1"):
        page.goto(live_server + path)
        assert _violations(page) == [], path
