"""Uploaded images are decoded before they are accepted, then stored re-encoded.

:func:`checked_image` is the one gate for image uploads (programme logos today): only a
real PNG or JPEG, at most ``MAX_SIDE`` pixels on each side, read from the header before
any pixel is decoded; then decoded (a damaged file is refused), scaled down to at most
``STORED_SIDE`` pixels on its longest side and written again, which drops anything else
the file carried (metadata, trailing data, extra chunks).
"""
import io
import warnings

from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from lms.errors import ValidationError

MAX_SIDE = 4000
STORED_SIDE = 800
FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}

# Pillow refuses to open anything larger (DecompressionBombError above twice this, a
# warning - made an error below - above it): a small file that inflates to gigabytes
# of pixels is refused from its header, never decoded.
Image.MAX_IMAGE_PIXELS = MAX_SIDE * MAX_SIDE


def _reject(field, message):
    raise ValidationError(message, fields={field: [message]})


def checked_image(data, field="image", *, max_side=MAX_SIDE, stored_side=STORED_SIDE):
    """``(bytes, mimetype)`` of the re-encoded image in ``data``; raises
    :class:`lms.errors.ValidationError` (the problem under ``field``) for anything that is
    not a readable PNG or JPEG of at most ``max_side`` x ``max_side`` pixels."""
    not_image = _("The file is not a PNG or JPEG image.")
    if not data:
        _reject(field, not_image)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            # Reads the header only: format and size, no pixels yet.
            image = Image.open(io.BytesIO(data), formats=list(FORMATS))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            _reject(field, _("The image is too large: at most %(side)s × %(side)s pixels.", side=max_side))
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
            _reject(field, not_image)
        with image:
            width, height = image.size
            if width > max_side or height > max_side:
                _reject(field, _("The image is too large: at most %(side)s × %(side)s pixels.", side=max_side))
            if width < 1 or height < 1:
                _reject(field, not_image)
            fmt = image.format
            try:
                # WeasyPrint sets ImageFile.LOAD_TRUNCATED_IMAGES, so a cut-off file would
                # load padded with grey: check the file's structure (chunk CRCs) first.
                image.verify()
            except Exception:  # noqa: BLE001 - Pillow raises many kinds for a damaged file
                _reject(field, _("The image could not be read; the file may be damaged."))
        with Image.open(io.BytesIO(data), formats=[fmt]) as image:
            try:
                image.load()
                image = ImageOps.exif_transpose(image) if fmt == "JPEG" else image
                image.thumbnail((stored_side, stored_side))
                out = io.BytesIO()
                if fmt == "JPEG":
                    if image.mode not in ("RGB", "L"):
                        image = image.convert("RGB")
                    image.save(out, "JPEG", quality=85, optimize=True)
                else:
                    if image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
                        image = image.convert("RGBA")
                    image.save(out, "PNG", optimize=True)
            except (Image.DecompressionBombError, Image.DecompressionBombWarning):
                _reject(field, _("The image is too large: at most %(side)s × %(side)s pixels.", side=max_side))
            except (OSError, ValueError, SyntaxError, EOFError, MemoryError):
                _reject(field, _("The image could not be read; the file may be damaged."))
    return out.getvalue(), FORMATS[fmt]
