"""Logos are decoded before they are accepted: real PNG/JPEG only, at most 4000 x 4000
pixels (from the header, before decoding), stored re-encoded and small."""
import io
import os

import pytest
from PIL import Image


def _png(size, mode="RGB", noise=False):
    if noise:
        image = Image.frombytes(mode, size, os.urandom(size[0] * size[1] * len(mode)))
    else:
        image = Image.new(mode, size)
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def _post_logo(client, programme, data, name="logo.png"):
    form = {"code": programme.code, "name": programme.name, "logo": (io.BytesIO(data), name)}
    return client.post(f"/admin/programmes/{programme.id}/edit", data=form, content_type="multipart/form-data")


def _stored(db, programme):
    from lms.programmes.models import Programme

    db.session.expire_all()
    return db.session.get(Programme, programme.id).logo


@pytest.fixture
def editor(client, login, make):
    login(make.person(role="coordinator"))
    return client


def test_decompression_bomb_is_refused_from_its_header(editor, make, db, monkeypatch):
    bomb = _png((12000, 12000), mode="1")
    assert len(bomb) < 1024 * 1024  # small on disk, 144 million pixels
    from PIL import ImageFile

    decoded = []
    original_load = ImageFile.ImageFile.load
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: decoded.append(self.size) or original_load(self))
    programme = make.programme()
    assert _post_logo(editor, programme, _png((40, 20))).status_code == 302 and (40, 20) in decoded
    decoded.clear()
    r = _post_logo(editor, programme, bomb)
    assert r.status_code == 422
    assert "The image is too large: at most 4000 × 4000 pixels." in r.get_data(as_text=True)
    assert decoded == [] and Image.open(io.BytesIO(_stored(db, programme))).size == (40, 20)


def test_just_too_large_image_is_refused(make, db):
    from lms.errors import ValidationError
    from lms.programmes.operations import set_logo

    with pytest.raises(ValidationError) as error:
        set_logo(make.programme(), _png((4001, 10), mode="1"))
    assert error.value.fields == {"logo": ["The image is too large: at most 4000 × 4000 pixels."]}


def test_gif_is_refused(editor, make, db):
    buf = io.BytesIO()
    Image.new("RGB", (20, 20), "red").save(buf, "GIF")
    programme = make.programme()
    r = _post_logo(editor, programme, buf.getvalue(), "logo.gif")
    assert r.status_code == 422 and "The file is not a PNG or JPEG image." in r.get_data(as_text=True)
    assert _stored(db, programme) is None


def test_text_named_png_is_refused(editor, make, db):
    programme = make.programme()
    r = _post_logo(editor, programme, b"\x89PNG\r\n\x1a\nnot really a picture at all")
    assert r.status_code == 422 and "The file is not a PNG or JPEG image." in r.get_data(as_text=True)
    r = _post_logo(editor, programme, b"just some text")
    assert r.status_code == 422 and 'id="logo-error"' in r.get_data(as_text=True)
    assert _stored(db, programme) is None


def test_truncated_png_is_refused(make, db):
    import weasyprint  # noqa: F401  (it makes Pillow load truncated files: the check must not rely on Pillow's default)

    from lms.errors import ValidationError
    from lms.programmes.operations import set_logo

    data = _png((300, 300), noise=True)
    with pytest.raises(ValidationError) as error:
        set_logo(make.programme(), data[: len(data) // 2])
    assert "logo" in error.value.fields


def test_valid_png_is_stored_re_encoded_and_small(editor, make, db):
    # (Under 500 kB: a larger test upload leaves the test client's spooled body unclosed.)
    original = _png((1000, 450), mode="L", noise=True)
    assert len(original) < 500 * 1024
    programme = make.programme()
    r = _post_logo(editor, programme, original)
    assert r.status_code == 302
    stored = _stored(db, programme)
    assert stored != original and len(stored) <= len(original)
    image = Image.open(io.BytesIO(stored))
    assert image.format == "PNG" and image.size == (800, 360)


def test_jpeg_is_scaled_down_and_stays_jpeg(make, db):
    from lms.programmes.operations import set_logo

    buf = io.BytesIO()
    Image.frombytes("RGB", (2000, 1000), os.urandom(2000 * 1000 * 3)).save(buf, "JPEG", quality=30)
    programme = set_logo(make.programme(), buf.getvalue())
    image = Image.open(io.BytesIO(programme.logo))
    assert programme.logo_mime == "image/jpeg" and image.format == "JPEG" and image.size == (800, 400)
