"""One way to name a download: ``Content-Disposition`` with an ASCII fallback and the
RFC 5987/6266 ``filename*`` for any other character.

A name comes partly from users (a programme's code, an uploaded file's name), so it is
cleaned here: control characters (a newline would break the header), quotes,
backslashes and path separators never reach the header.
"""
import unicodedata
from urllib.parse import quote

# RFC 5987 attr-char minus nothing: what may stay unencoded in ``filename*``.
_ATTR_CHARS = "!#$&+-.^_`|~"


def clean_filename(name, default="download"):
    """``name`` without control characters, quotes, slashes or surrounding blanks."""
    text = "".join(" " if unicodedata.category(c).startswith("C") else c for c in str(name or ""))
    text = "".join("_" if c in '"\\/' else c for c in text)
    text = " ".join(text.split()).strip(" .")
    return text[:150] or default


def ascii_filename(name, default="download"):
    """A plain ASCII stand-in for ``name`` (Å -> A, – -> _) for old clients."""
    text = unicodedata.normalize("NFKD", clean_filename(name, default))
    text = "".join(c if " " <= c <= "~" and c not in '"\\%;' else ("" if unicodedata.combining(c) else "_")
                   for c in text)
    return text.strip(" .") or default


def content_disposition(name, disposition="attachment"):
    """The header value for a download called ``name``."""
    name = clean_filename(name)
    return (f'{disposition}; filename="{ascii_filename(name)}"; '
            f"filename*=UTF-8''{quote(name, safe=_ATTR_CHARS)}")


def download_headers(name, disposition="attachment", **extra):
    """Response headers naming a download, plus ``extra`` headers."""
    return {"Content-Disposition": content_disposition(name, disposition), **extra}


def pdf_response(data, name, *, etag=None, disposition="inline"):
    """A PDF answer: shown inline, named ``name``, never kept by browsers or proxies
    (a certificate carries personal data), with ``etag`` when given."""
    from flask import Response

    extra = {"Cache-Control": "private, no-store"}
    if etag:
        extra["ETag"] = f'"{etag}"'
    return Response(data, mimetype="application/pdf", headers=download_headers(name, disposition, **extra))
