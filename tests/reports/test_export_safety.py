"""Exports never carry formulas, name their files safely, and stream every row."""
import csv
import io

import pytest
from openpyxl import load_workbook
from werkzeug.http import parse_options_header

PAYLOADS = ['=HYPERLINK("http://evil","x")', "=cmd|' /C calc'!A0", "+1", "@SUM(1)", "-2+3", "\tTAB", "\rCR"]
# Without a leading formula character a spreadsheet reads this as text: it stays as is.
HARMLESS = "cmd|' /C calc'!A0"
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def _poisoned(make, db):
    """A programme whose every user-written text starts like a formula."""
    from lms.attendance.models import Attendance
    from lms.enrollment.models import Enrollment
    from lms.programmes.operations import save_goal

    programme = make.programme()
    for i, payload in enumerate(PAYLOADS):
        org = make.organisation(name=f"{payload} org{i}")
        function = make.function(code=f"{payload}fn{i}"[:40], name=payload)
        person = make.person(organisation=org, function=function, name=payload, birth_year=1980)
        activity = make.activity(programme, kind="seminar", title=payload)
        event = make.event(activity, title=payload, place=payload)
        enrollment = Enrollment(event=event, person=person, status="enrolled", organisation_id=org.id,
                                job_function_id=function.id)
        db.session.add(enrollment)
        db.session.flush()
        db.session.add(Attendance(enrollment=enrollment, session=event.sessions[0], status="present"))
    goal = save_goal(programme, {"title": "Goal", "unit": "persons", "target": 7, "basis": "attended"})
    goal.title = PAYLOADS[0]
    db.session.flush()
    return programme


def _check_text(value):
    if isinstance(value, str) and value:
        assert not value.startswith(DANGEROUS), value


def test_csv_cells_never_start_a_formula(api, make, db):
    programme = _poisoned(make, db)
    c = api(make.person(role="coordinator"))
    for table in ("report", "goals"):
        r = c.get(f"/api/v1/programmes/{programme.id}/{table}.csv")
        assert r.status_code == 200
        rows = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"), newline=""), delimiter=";"))
        for row in rows:
            for value in row:
                _check_text(value)
        if table == "report":
            assert len(rows) == 1 + len(PAYLOADS)
            titles = {row[6] for row in rows[1:]}
            assert titles == {"'" + p for p in PAYLOADS}
            assert {row[9] for row in rows[1:]} == {"'" + p for p in PAYLOADS}
            assert "'=cmd|' /C calc'!A0 org1" in {row[0] for row in rows[1:]}
            # Numbers stay numbers.
            assert {row[10] for row in rows[1:]} == {"1"}
        else:
            assert rows[1][0] == "'" + PAYLOADS[0] and rows[1][3] == "7"


def test_xlsx_cells_are_text_not_formulas(api, make, db):
    programme = _poisoned(make, db)
    c = api(make.person(role="coordinator"))
    r = c.get(f"/api/v1/programmes/{programme.id}/report.xlsx")
    sheet = load_workbook(io.BytesIO(r.data)).active
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == len(PAYLOADS)
    for row in rows:
        for cell in row:
            assert cell.data_type != "f"
            _check_text(cell.value)
        organisation, title, event, attended = row[0], row[6], row[9], row[10]
        for cell in (organisation, title, event):
            assert cell.data_type == "s" and cell.value.startswith("'")
        assert attended.data_type == "n" and attended.value == 1
    # (XML turns the carriage return into a line feed.)
    assert {row[6].value for row in rows} == {"'" + p.replace("\r", "\n") for p in PAYLOADS}
    r = c.get(f"/api/v1/programmes/{programme.id}/goals.xlsx")
    goal = list(load_workbook(io.BytesIO(r.data)).active.iter_rows(min_row=2))[0]
    assert goal[0].data_type == "s" and goal[0].value == "'" + PAYLOADS[0]
    assert goal[3].data_type == "n" and goal[3].value == 7


def test_safe_cell_keeps_numbers_and_dates():
    from datetime import date

    from lms.reports.operations import safe_cell

    assert safe_cell(-3) == -3 and safe_cell(1.5) == 1.5 and safe_cell(date(2025, 1, 2)) == date(2025, 1, 2)
    assert safe_cell("=1+1") == "'=1+1" and safe_cell("Plain") == "Plain" and safe_cell("") == ""
    assert safe_cell(HARMLESS) == HARMLESS


@pytest.mark.parametrize("path", ["report.csv", "report.xlsx", "goals.csv", "goals.xlsx"])
def test_export_file_names_survive_odd_programme_codes(api, make, db, path):
    programme = make.programme(code='Ö–K\n"Q"')
    c = api(make.person(role="coordinator"))
    r = c.get(f"/api/v1/programmes/{programme.id}/{path}")
    assert r.status_code == 200
    header = r.headers["Content-Disposition"]
    assert "\n" not in header and "\r" not in header
    assert header.isascii()
    disposition, options = parse_options_header(header)
    table, ext = path.split(".")
    expected = f"Ö–K _Q_-{'goals' if table == 'goals' else 'participation'}.{ext}"
    assert disposition == "attachment" and options["filename"] == expected
    assert f'filename="O_K _Q_-' in header and "filename*=UTF-8''%C3%96%E2%80%93K%20_Q_-" in header


# --- streamed to a signed-in user, with the request's real session -----------------------------

def test_streamed_csv_exports_are_whole_for_a_signed_in_user(committed_app):
    """The request commits (and its session is removed) before a CSV streams: the rows
    must not need the signed-in user's locale or session then."""
    from tests.conftest import Factory, sign_in_committed

    from lms.attendance.models import Attendance
    from lms.enrollment.models import Enrollment
    from lms.extensions import db
    from lms.programmes.operations import save_goal

    app = committed_app
    with app.app_context():
        make = Factory(db)
        programme = make.programme()
        activity = make.activity(programme, kind="seminar", title="Samtal")
        event = make.event(activity)
        for _i in range(3):
            person = make.person()
            e = Enrollment(event=event, person=person, status="enrolled", organisation_id=person.organisation_id,
                           job_function_id=person.job_function_id)
            db.session.add(e)
            db.session.flush()
            db.session.add(Attendance(enrollment=e, session=event.sessions[0], status="present"))
        for title in ("Första", "Andra"):
            save_goal(programme, {"title": title, "unit": "persons", "target": 3, "basis": "attended"})
        coordinator = make.person(role="coordinator", locale="sv")
        db.session.commit()
        programme_id, coordinator_id = programme.id, coordinator.id

    client = app.test_client()
    sign_in_committed(app, client, coordinator_id)
    r = client.get(f"/programmes/{programme_id}/export/goals.csv")
    assert r.status_code == 200
    text = r.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert rows[0][0] == "Mål" and rows[0][1] == "Enhet"
    assert [row[:5] for row in rows[1:]] == [["Första", "Personer", "persons", "3", "3"], ["Andra", "Personer", "persons", "3", "3"]]

    r = client.get(f"/programmes/{programme_id}/export/participation.csv")
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True)[1:]), delimiter=";"))
    assert rows[0][0] == "Organisation" and rows[0][1] == "Yrkesroll"
    assert len(rows) == 4 and {row[6] for row in rows[1:]} == {"Samtal"}
