"""A programme's logo is printed on its certificates; only PNG/JPEG up to 1 MB is accepted."""
import io

import pytest


def _png():
    import segno

    buf = io.BytesIO()
    segno.make("logo").save(buf, kind="png", scale=4)
    return buf.getvalue()


def test_logo_upload_validation(client, login, make, db):
    programme = make.programme()
    login(make.person(role="coordinator"))
    data = {"code": programme.code, "name": programme.name, "logo": (io.BytesIO(b"<svg/>"), "logo.svg")}
    r = client.post(f"/admin/programmes/{programme.id}/edit", data=data, content_type="multipart/form-data")
    assert r.status_code == 422 and "PNG or JPEG" in r.get_data(as_text=True)
    data = {"code": programme.code, "name": programme.name, "logo": (io.BytesIO(_png()), "logo.png")}
    r = client.post(f"/admin/programmes/{programme.id}/edit", data=data, content_type="multipart/form-data")
    assert r.status_code == 302
    db.session.refresh(programme)
    assert programme.logo_mime == "image/png"


def test_logo_on_certificate(make, db, app):
    from certificates.operations import _logo_data_uri
    from lms.programmes.operations import set_logo

    programme = make.programme()
    assert _logo_data_uri(programme) is None
    set_logo(programme, _png())
    assert _logo_data_uri(programme).startswith("data:image/png;base64,")
    from lms.errors import ValidationError

    with pytest.raises(ValidationError) as error:
        set_logo(programme, b"x" * (1024 * 1024 + 1))
    assert error.value.fields == {"logo": ["At most 1 MB."]}
    assert _logo_data_uri(programme).startswith("data:image/png;base64,")  # the old logo stays
