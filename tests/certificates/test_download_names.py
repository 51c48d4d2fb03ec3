"""Every download is named with one helper: an ASCII ``filename`` and an RFC 5987
``filename*``; names from users (codes, uploaded file names) cannot break the header."""
from werkzeug.http import parse_options_header


def _name(response, disposition="attachment"):
    assert response.status_code == 200
    header = response.headers["Content-Disposition"]
    assert header.isascii() and "\n" not in header and "filename*=UTF-8''" in header and 'filename="' in header
    kind, options = parse_options_header(header)
    assert kind == disposition
    return options["filename"]


def test_content_disposition_helper():
    from lms.downloads import content_disposition

    header = content_disposition('Å–B\r\n"q"\\/x.csv')
    assert header == ("attachment; filename=\"A_B _q___x.csv\"; "
                      "filename*=UTF-8''%C3%85%E2%80%93B%20_q___x.csv")
    assert parse_options_header(header) == ("attachment", {"filename": "Å–B _q___x.csv"})
    assert content_disposition("", "inline") == "inline; filename=\"download\"; filename*=UTF-8''download"


def test_certificate_downloads_are_named(db, make, finalized, login, api):
    from certificates.models import Certificate
    from sqlalchemy import select

    org = make.organisation()
    person = make.person(organisation=org)
    finalized("seminar", people=[person])
    certificate = db.session.scalar(select(Certificate).where(Certificate.person_id == person.id))
    page, answer = login(person).get(f"/certificates/{certificate.code}.pdf"), api(person).get(f"/api/v1/certificates/{certificate.code}.pdf")
    for response in (page, answer):  # one pdf_response for the page and the API
        assert _name(response, "inline") == f"certificate-{certificate.code}.pdf"
        assert response.headers["Cache-Control"] == "private, no-store"
        assert response.headers["ETag"] == f'"{certificate.sha256}"'
        assert response.data.startswith(b"%PDF")
    manager = make.person(role="manager", organisation=org)
    assert _name(login(manager).post("/manager/certificates.zip", data={"all": "1"})) == "certificates.zip"


def test_calendar_download_is_named(client, make):
    event = make.event()
    assert _name(client.get(f"/events/{event.id}/calendar.ics")) == f"event-{event.id}.ics"


def test_evidence_file_name_with_newline_and_quotes(client, login, make, db):
    from lms.programmes import operations as ops

    mine = make.organisation()
    programme = ops.save_programme({"code": "DLN", "name": "Names", "organisation_ids": [mine.id]})
    goal = ops.save_goal(programme, {"title": "Avtal", "unit": "organisations", "target": 1})
    outcome = ops.record_outcome(goal, {"organisation_id": mine.id, "evidence": "x"}, None,
                                 ('avtal "nytt"\n– Åre.pdf', b"%PDF-1.4"))
    login(make.person(role="coordinator"))
    r = client.get(f"/outcomes/{outcome.id}/attachment")
    assert _name(r) == 'avtal _nytt_ – Åre.pdf' and r.data == b"%PDF-1.4"
