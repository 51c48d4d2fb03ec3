"""Dates and times the Nordic way: one set of named formats (lms/dates.py) in every language,
on pages, in emails, calendars and certificates. English reads the European way (en_GB)."""
import re
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Friday 13 August 2027, 09:30–12:30 in Stockholm (summer time, UTC+2).
START = datetime(2027, 8, 13, 7, 30, tzinfo=timezone.utc)
END = datetime(2027, 8, 13, 10, 30, tzinfo=timezone.utc)
NEXT_DAY = datetime(2027, 8, 14, 10, 30, tzinfo=timezone.utc)

SESSION = {
    "en": "Fri 13 Aug 2027 09:30–12:30",
    "sv": "fre 13 aug. 2027 09:30–12:30",
    "da": "fre. 13. aug. 2027 09.30–12.30",
    "nb": "fre. 13. aug. 2027 09:30–12:30",
}
TWO_DAYS = {
    "en": "Fri 13 Aug 2027 09:30 – Sat 14 Aug 2027 12:30",
    "sv": "fre 13 aug. 2027 09:30 – lör 14 aug. 2027 12:30",
    "da": "fre. 13. aug. 2027 09.30 – lør. 14. aug. 2027 12.30",
    "nb": "fre. 13. aug. 2027 09:30 – lør. 14. aug. 2027 12:30",
}
DAY = {"en": "13 Aug 2027", "sv": "13 aug. 2027", "da": "13. aug. 2027", "nb": "13. aug. 2027"}
MOMENT = {"en": "13 Aug 2027 09:30", "sv": "13 aug. 2027 09:30", "da": "13. aug. 2027 09.30", "nb": "13. aug. 2027 09:30"}
MONTH = {"en": "August 2027", "sv": "augusti 2027", "da": "august 2027", "nb": "august 2027"}
TIME = {"en": "09:30", "sv": "09:30", "da": "09.30", "nb": "09:30"}
SECONDS = re.compile(r"\d\d[:.]\d\d[:.]\d\d")
US_STYLE = re.compile(r"\d{1,2}/\d{1,2}/\d{2}|\b[AP]M\b")


@pytest.fixture
def in_request(app, db):
    """An anonymous request: the app's timezone (Europe/Stockholm)."""
    with app.test_request_context("/"):
        yield


@pytest.mark.parametrize("locale", ["en", "sv", "da", "nb"])
def test_named_formats_in_each_language(in_request, locale):
    from flask_babel import force_locale

    from lms import dates

    with force_locale(locale):
        texts = {
            "session": dates.session_range(START, END),
            "two_days": dates.session_range(START, NEXT_DAY),
            "day": dates.day(START),
            "day_of_date": dates.day(date(2027, 8, 13)),
            "moment": dates.moment(START),
            "month": dates.month(START),
            "month_of_report": dates.month("2027-08"),
            "time": dates.time(START),
        }
    assert texts == {
        "session": SESSION[locale], "two_days": TWO_DAYS[locale], "day": DAY[locale], "day_of_date": DAY[locale],
        "moment": MOMENT[locale], "month": MONTH[locale], "month_of_report": MONTH[locale], "time": TIME[locale],
    }
    for text in texts.values():
        assert not SECONDS.search(text) and not US_STYLE.search(text), text


def test_a_session_object_and_a_day_range(in_request):
    from types import SimpleNamespace

    from flask_babel import force_locale

    from lms import dates

    with force_locale("sv"):
        assert dates.session_range(SimpleNamespace(starts_at=START, ends_at=END)) == SESSION["sv"]
        assert dates.day_range(START, NEXT_DAY) == "13 aug. 2027 – 14 aug. 2027"
        assert dates.day_range(START, END) == "13 aug. 2027"
        assert dates.iso(START) == "2027-08-13T07:30Z"


def test_a_session_ending_after_midnight_local_time_shows_both_dates(in_request):
    from flask_babel import force_locale

    from lms import dates

    # 23:00–01:00 in Stockholm is two calendar days there, although one in UTC.
    late = datetime(2027, 8, 13, 21, 0, tzinfo=timezone.utc)
    with force_locale("en"):
        assert dates.session_range(late, datetime(2027, 8, 13, 23, 0, tzinfo=timezone.utc)) == \
            "Fri 13 Aug 2027 23:00 – Sat 14 Aug 2027 01:00"


def test_timezone_named_only_for_a_reader_elsewhere(in_request):
    from flask_babel import force_locale

    from lms import dates

    with force_locale("en"):
        assert dates.session_range(START, END) == SESSION["en"]  # pages: never a zone
        with dates.for_reader("sv", "Europe/Stockholm"):
            assert dates.session_range(START, END) == SESSION["sv"]
        with dates.for_reader("sv", "Europe/Helsinki"):
            assert dates.session_range(START, END) == "fre 13 aug. 2027 10:30–13:30 (EEST)"
            assert dates.moment(START) == "13 aug. 2027 10:30 (EEST)"
        with dates.for_reader("en", "Europe/Stockholm", always_zone=True):
            assert dates.session_range(START, END) == "Fri 13 Aug 2027 09:30–12:30 (CEST)"
        # Back to the page's own formatting afterwards.
        assert dates.session_range(START, END) == SESSION["en"]


def test_pages_show_the_viewers_timezone_without_naming_it(client, login, make):
    event = make.event(start=START, hours=3)
    login(make.person(locale="en", timezone="Europe/Helsinki"))
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "Fri 13 Aug 2027 10:30–13:30" in page and "EEST" not in page


@pytest.mark.parametrize("locale", ["en", "sv", "da", "nb"])
def test_event_page_shows_the_session_in_the_readers_language(client, login, make, locale):
    event = make.event(start=START, hours=3, enrol_closes_at=START)
    login(make.person(locale=locale))
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert f'<time datetime="2027-08-13T07:30Z">{SESSION[locale]}</time>' in page
    assert MOMENT[locale] in page  # enrolment closes
    assert not SECONDS.search(page) and not US_STYLE.search(page)


def test_my_learning_and_activity_pages_use_the_session_format(client, login, make, enrol):
    person = make.person(locale="sv")
    event = make.event(start=START, hours=3)
    enrol(person, event)
    login(person)
    assert SESSION["sv"] in client.get("/me/learning").get_data(as_text=True)
    assert SESSION["sv"] in client.get(f"/activities/{event.activity_id}").get_data(as_text=True)


def test_enrolment_email_in_danish_has_the_danish_date(db, make, request_context):
    from sqlalchemy import select

    from lms.enrollment.operations import enrol
    from lms.notifications.models import OutboxEmail

    person = make.person(locale="da")
    event = make.event(start=START, hours=3)
    enrol(person, event)
    from lms.notifications.operations import render_enrollment_email

    email = db.session.scalar(select(OutboxEmail).where(OutboxEmail.person_id == person.id))
    _subject, body, attachments = render_enrollment_email(email)  # as the delivery task does
    assert f"- {SESSION['da']}" in body
    assert "(CEST)" not in body and not SECONDS.search(body)
    [ics] = attachments
    assert "DESCRIPTION:fre. 13. aug. 2027 09.30–12.30 (CEST)" in ics["content"].replace("\r\n ", "")


def test_email_to_a_reader_in_another_timezone_names_the_zone(db, make, request_context):
    from sqlalchemy import select

    from lms.enrollment.operations import enrol
    from lms.notifications.models import OutboxEmail

    person = make.person(locale="nb", timezone="Europe/Helsinki")
    event = make.event(start=START, hours=3)
    enrol(person, event)
    from lms.notifications.operations import render_enrollment_email

    email = db.session.scalar(select(OutboxEmail).where(OutboxEmail.person_id == person.id))
    assert "- fre. 13. aug. 2027 10:30–13:30 (EEST)" in render_enrollment_email(email)[1]


def test_ical_description_names_the_time_and_zone(client, make):
    event = make.event(start=START, hours=3)
    ics = client.get(f"/events/{event.id}/calendar.ics", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    ics = ics.replace("\r\n ", "")
    assert "DESCRIPTION:fre 13 aug. 2027 09:30–12:30 (CEST)" in ics
    assert "DTSTART:20270813T073000Z" in ics  # the machine format is unchanged


def test_dashboard_months_are_named(in_request):
    from flask import render_template_string
    from flask_babel import force_locale

    with force_locale("sv"):
        assert render_template_string("{{ '2027-08'|month }}") == "augusti 2027"


def test_dashboard_names_the_months_of_participants(client, login, make, db, enrol):
    from lms.attendance.models import Attendance

    event = make.event(start=START, hours=3)
    enrollment = enrol(make.person(), event)
    db.session.add(Attendance(enrollment_id=enrollment.id, session_id=event.sessions[0].id, status="present"))
    db.session.flush()
    login(make.person(role="coordinator", locale="sv"))
    page = client.get(f"/programmes/{event.activity.programme_id}/dashboard").get_data(as_text=True)
    assert '<time datetime="2027-08">augusti 2027</time>' in page
    assert "augusti 2027: 1" in page  # the chart's text alternative


def test_no_template_uses_the_old_generic_filters():
    old = re.compile(r"\|\s*(datetime|date|localtime|isodate)\b|strftime|isoformat")
    offenders = []
    for folder in ("lms", "certificates", "modules"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in {".html", ".txt"} and "translations" not in path.parts:
                for n, line in enumerate(path.read_text().splitlines(), 1):
                    if old.search(line):
                        offenders.append(f"{path.relative_to(ROOT)}:{n}")
    assert not offenders, offenders
