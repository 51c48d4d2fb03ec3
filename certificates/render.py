"""HTML/CSS -> PDF with WeasyPrint, set up once per process.

* One :class:`FontConfiguration` and the parsed stylesheets are kept per process: parsing
  the CSS and registering the embedded fonts again for every certificate costs more than
  a third of a render.
* The HTML comes from a sandboxed Jinja environment fed with plain strings only (no
  database objects), so a template cannot reach into the application.
* The URL fetcher serves the package's own assets (the embedded fonts) and ``data:``
  URIs (the QR code) and refuses everything else: ``file://``, ``http(s)://``.
"""
import atexit
import base64
import threading
from pathlib import Path

import segno
from flask_babel import format_decimal, gettext, ngettext
from jinja2 import FileSystemLoader, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

from lms import dates

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates" / "pdf"
FONTS = HERE / "fonts"
ASSET_SCHEME = "brobygger-asset"
ASSET_BASE = f"{ASSET_SCHEME}:/"
_ASSET_TYPES = {".ttf": "font/ttf", ".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}
GENERIC = "generic"

_lock = threading.Lock()
_state = None


class RefusedURL(ValueError):
    """A template asked for something outside the package's own assets."""


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class AssetFetcher(URLFetcher):
        """Serve ``brobygger-asset:/fonts/...`` from the package and ``data:`` URIs only."""

        def fetch(self, url, headers=None):
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == ASSET_SCHEME:
                path = _asset_path(url[len(ASSET_SCHEME) + 1:])
                return URLFetcherResponse(url, body=path.read_bytes(),
                                          headers={"Content-Type": _ASSET_TYPES[path.suffix]})
            raise RefusedURL(f"Certificates may only use their own assets, not {url[:80]!r}.")

    return AssetFetcher


def _asset_path(name):
    """The file behind an asset URL path, refusing anything outside ``fonts/``."""
    relative = name.lstrip("/")
    path = (HERE / relative).resolve()
    if FONTS not in path.parents or path.suffix not in _ASSET_TYPES or not path.is_file():
        raise RefusedURL(f"No such certificate asset: {name[:80]!r}.")
    return path


class _State:
    def __init__(self):
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        self.font_config = FontConfiguration()
        self.fetcher = _fetcher_class()(allowed_protocols={"data"}, fail_on_errors=True)
        self.base_css = CSS(filename=str(TEMPLATES / "base.css"), base_url=ASSET_BASE,
                            url_fetcher=self.fetcher, font_config=self.font_config)
        self.kind_css = {}
        self.env = SandboxedEnvironment(
            loader=FileSystemLoader(str(TEMPLATES)),
            autoescape=select_autoescape(["html"], default=True),
            extensions=["jinja2.ext.i18n"],
            auto_reload=False,
        )
        self.env.install_gettext_callables(gettext, ngettext, newstyle=True)
        self.env.filters["date"] = lambda v, fmt=None: dates.day(v)
        self.env.filters["number"] = lambda v: format_decimal(v, "#,##0.00") if v is not None else ""

    def stylesheets(self, kind):
        from weasyprint import CSS

        if kind not in self.kind_css:
            path = TEMPLATES / f"{kind}.css"
            self.kind_css[kind] = CSS(filename=str(path), base_url=ASSET_BASE, url_fetcher=self.fetcher,
                                      font_config=self.font_config) if path.is_file() else None
        extra = self.kind_css[kind]
        return [self.base_css] + ([extra] if extra is not None else [])

    def template(self, kind):
        name = f"{kind}.html" if (TEMPLATES / f"{kind}.html").is_file() else f"{GENERIC}.html"
        return self.env.get_template(name)


def state():
    """The process's WeasyPrint set-up (built on first use)."""
    global _state
    if _state is None:
        with _lock:
            if _state is None:
                _state = _State()
                atexit.register(_forget)
    return _state


def _forget():
    # Drop the FontConfiguration while its libraries are still loaded (its __del__
    # fails noisily when it runs during interpreter shutdown).
    global _state
    _state = None


def qr_data_uri(url):
    """The verify URL as a QR code: an SVG ``data:`` URI (no file, no network)."""
    # A fixed mask: any of the eight is valid (ISO/IEC 18004) and every reader decodes
    # it; letting segno score all eight costs ~4 ms, a tenth of the whole render.
    svg = segno.make(url, error="m", micro=False, mask=2).svg_inline(scale=4, border=0, dark="#1b2a3a")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def render_html(kind, context):
    """The certificate's HTML for ``kind`` (a kind without a template uses the generic one)."""
    return state().template(kind).render(**context)


def html_to_pdf(html, kind):
    """PDF bytes of a certificate's HTML, with the shared fonts and stylesheets."""
    from weasyprint import HTML

    s = state()
    return HTML(string=html, base_url=ASSET_BASE, url_fetcher=s.fetcher).write_pdf(
        stylesheets=s.stylesheets(kind), font_config=s.font_config
    )


def render_pdf(kind, context):
    """HTML and PDF in one go: ``(html, pdf_bytes)``."""
    html = render_html(kind, context)
    return html, html_to_pdf(html, kind)


def harfbuzz_subset_available():
    """True when WeasyPrint found HarfBuzz's subset library (fast font subsetting)."""
    from weasyprint.text import ffi

    return getattr(ffi, "harfbuzz_subset", None) is not None
