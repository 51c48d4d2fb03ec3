"""Certificate PDFs state their dates in the holder's language, in the named day format
(lms/dates.py): "13 aug. 2025", never seconds."""
import re
from datetime import datetime, timezone

import pytest

START = datetime(2025, 8, 13, 7, 30, tzinfo=timezone.utc)
SECONDS = re.compile(r"\d\d[:.]\d\d[:.]\d\d")


@pytest.mark.parametrize("locale,line", [("sv", "Datum: 13 aug. 2025"), ("da", "Dato: 13. aug. 2025"),
                                         ("en", "Date: 13 Aug 2025")])
def test_certificate_pdf_dates_in_the_holders_language(db, make, finalized, pdf_text, request_context, locale, line):
    from flask_babel import force_locale
    from sqlalchemy import select

    from certificates.models import Certificate
    from lms import dates

    person = make.person(locale=locale)
    finalized("seminar", people=[person], start=START)
    certificate = db.session.scalar(select(Certificate).where(Certificate.person_id == person.id))
    text = " ".join(pdf_text(certificate.pdf).split())
    assert line in text
    with force_locale(locale):
        issued = dates.day(certificate.issued_at)
    assert issued in text and not SECONDS.search(text)
