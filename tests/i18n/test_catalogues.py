"""Every user-visible string is translatable; Swedish, Danish and Norwegian Bokmål are
complete and in step with the code."""
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "lms" / "translations"


def _catalog(locale):
    path = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
    assert path.exists(), f"missing catalogue {path}"
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def _template():
    with (TRANSLATIONS / "messages.pot").open("rb") as f:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}


@pytest.mark.parametrize("locale", ["en", "sv", "da", "nb"])
def test_catalogue_matches_template(locale):
    """Each catalogue holds exactly the template's messages (`make messages` keeps them in step)."""
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(locale) if m.id}
    template = _template()
    assert not template - ids, f"{locale} lacks {sorted(template - ids)[:5]}"
    assert not ids - template, f"{locale} has messages the code no longer uses: {sorted(ids - template)[:5]}"


@pytest.mark.parametrize("locale", ["sv", "da", "nb"])
def test_catalogue_complete(locale):
    catalog = _catalog(locale)
    missing = [m.id for m in catalog if m.id and not (m.string if isinstance(m.string, str) else all(m.string))]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not missing, f"{len(missing)} untranslated, e.g. {missing[:5]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy, e.g. {fuzzy[:5]}"


def test_catalogue_up_to_date():
    """The template (.pot) holds every string the code marks: run `make messages` after changes."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "messages.pot"
        subprocess.run(
            [str(ROOT / ".venv" / "bin" / "pybabel"), "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l", "-o", str(out), str(ROOT)],
            check=True, cwd=ROOT,
        )
        with out.open("rb") as f:
            ids = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    known = _template()
    assert not ids - known, f"strings not in the catalogues: {sorted(ids - known)[:10]}"
    assert not known - ids, f"strings the code no longer uses: {sorted(known - ids)[:10]}"


def test_swedish_page(client):
    response = client.get("/login", headers={"Accept-Language": "sv"})
    assert "Logga in" in response.get_data(as_text=True)
