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
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["Organisation", "Job function", "Gender"] and len(rows) == 3
    row = next(r for r in rows[1:] if r[0] == "Åtvidabergs kommun")
    assert row[3] == "55+" and row[4] == "Jämställdhet" and row[7] == "1" and row[8] == "3.0"
    r = c.get(f"/api/v1/programmes/{programme.id}/report.xlsx")
    sheet = load_workbook(io.BytesIO(r.data), read_only=True).active
    values = list(sheet.values)
    assert len(values) == 3 and values[0][0] == "Organisation"
    r = c.get(f"/api/v1/programmes/{programme.id}/goals.xlsx")
    values = list(load_workbook(io.BytesIO(r.data), read_only=True).active.values)
    assert values[1][:4] == ("Alla", "persons", 2, 2)


def test_manager_export_limited(api, make, db):
    programme, mine = _setup(make, db)
    r = api(make.person(role="manager", organisation=mine)).get(f"/api/v1/programmes/{programme.id}/report.csv")
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 2 and rows[1][0] == "Åtvidabergs kommun"
    assert api(make.person()).get(f"/api/v1/programmes/{programme.id}/report.csv").status_code == 403
