import csv
import io

from openpyxl import load_workbook


def _setup(make, db):
    from lms.attendance.models import Attendance
    from lms.enrollment.models import Enrollment
    from lms.programmes.operations import save_goal

    programme = make.programme()
    mine, other = make.organisation(name="Åtvidabergs kommun"), make.organisation()
    activity = make.activity(programme, kind="seminar", title="Jämställdhet")
    event = make.event(activity, hours=3)
    for org in (mine, other):
        person = make.person(organisation=org, birth_year=1960)
        e = Enrollment(event=event, person=person, status="enrolled", organisation_id=org.id, job_function_id=person.job_function_id)
        db.session.add(e)
        db.session.flush()
        db.session.add(Attendance(enrollment=e, session=event.sessions[0], status="present"))
    save_goal(programme, {"title": "Alla", "unit": "persons", "target": 2, "basis": "attended"})
    return programme, mine


def test_csv_and_xlsx_participation(api, make, db):
    programme, mine = _setup(make, db)
    c = api(make.person(role="coordinator"))
    r = c.get(f"/api/v1/programmes/{programme.id}/report.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:4] == ["Organisation", "Job function", "Job function code", "Gender"] and len(rows) == 3
    row = next(r for r in rows[1:] if r[0] == "Åtvidabergs kommun")
    assert row[4:12] == ["female", "55+", "Jämställdhet", "Seminar", "seminar", "", "1", "3,00"]
    r = c.get(f"/api/v1/programmes/{programme.id}/report.xlsx")
    sheet = load_workbook(io.BytesIO(r.data), read_only=True).active
    values = list(sheet.values)
    assert len(values) == 3 and values[0][0] == "Organisation"
    r = c.get(f"/api/v1/programmes/{programme.id}/goals.xlsx")
    values = list(load_workbook(io.BytesIO(r.data), read_only=True).active.values)
    assert values[1] == ("Alla", "Persons", "persons", 2, 2, 1)


def test_manager_export_limited(api, make, db):
    programme, mine = _setup(make, db)
    r = api(make.person(role="manager", organisation=mine)).get(f"/api/v1/programmes/{programme.id}/report.csv")
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert len(rows) == 2 and rows[1][0] == "Åtvidabergs kommun"
    assert api(make.person()).get(f"/api/v1/programmes/{programme.id}/report.csv").status_code == 403


def test_exports_a_funder_can_open(api, make, db, client, login):
    """Nordic Excel: semicolons, BOM, decimal commas; XLSX with a frozen bold header, a
    filter, widths, real dates, shares as percentages, labels in the exporter's language."""
    from datetime import date

    from lms.completion.models import Completion
    from lms.enrollment.models import Enrollment

    programme, mine = _setup(make, db)
    enrollment = db.session.query(Enrollment).filter_by(organisation_id=mine.id).one()
    db.session.add(Completion(enrollment_id=enrollment.id, completed_on=date(2026, 3, 2), hours=3, minutes=180))
    coordinator = make.person(role="coordinator", locale="sv")
    raw = api(coordinator).get(f"/api/v1/programmes/{programme.id}/report.csv").data
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    mine_row = next(r for r in rows[1:] if r[0] == "Åtvidabergs kommun")
    assert rows[0][3] == "Kön" and mine_row[3] == "Kvinna" and mine_row[7] == "Seminarium"
    assert mine_row[11] == "3,00" and mine_row[12] == "2026-03-02"
    machine = api(coordinator).get(f"/api/v1/programmes/{programme.id}/report.csv?delimiter=comma").data.decode("utf-8-sig")
    assert "3.00" in machine and ";" not in machine.splitlines()[1]

    book = load_workbook(io.BytesIO(api(coordinator).get(f"/api/v1/programmes/{programme.id}/report.xlsx").data))
    sheet = book.active
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:M3"
    assert sheet["A1"].font.b and sheet.column_dimensions["A"].width == 32
    completed = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "Åtvidabergs kommun")[12]
    assert completed.is_date and completed.value.date() == date(2026, 3, 2)
    goals = load_workbook(io.BytesIO(api(coordinator).get(f"/api/v1/programmes/{programme.id}/goals.xlsx").data)).active
    assert goals["F2"].value == 1 and goals["F2"].number_format == "0%" and goals["B2"].value == "Personer"
    goals_csv = api(coordinator).get(f"/api/v1/programmes/{programme.id}/goals.csv").data.decode("utf-8-sig")
    assert goals_csv.splitlines()[1].startswith("Alla;Personer;persons;2;2;")
