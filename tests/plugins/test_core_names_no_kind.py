"""The core reaches kinds only through the declared interface: no file of lms/ (its code
and templates; the demo data and the translations aside) names a kind's code or probes a
kind with getattr, and every attribute it reads from a kind is a declared hook."""
import re
from pathlib import Path

import lms
from lms.plugins import DECLARED_HOOKS, registry

CORE = Path(lms.__file__).parent
SKIPPED = {"demo", "translations"}
BUILT_IN = {"seminar", "workshop", "network", "track"}


def _core_files():
    files = [p for p in sorted(CORE.rglob("*"))
             if p.suffix in (".py", ".html") and p.relative_to(CORE).parts[0] not in SKIPPED]
    assert any(p.name == "roster.html" for p in files) and any(p.name == "operations.py" for p in files)
    return files


def _findings(pattern, check=lambda match: True, skip=()):
    found = []
    for path in _core_files():
        if path.relative_to(CORE).as_posix() in skip:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            found += [f"{path.relative_to(CORE)}:{number}: {m.group(0)}" for m in pattern.finditer(line) if check(m)]
    return found


def test_the_core_names_no_kind_code(app):
    codes = BUILT_IN | set(registry.codes())
    literal = re.compile(r"""(["'])(%s)\1""" % "|".join(sorted(map(re.escape, codes))))
    assert _findings(literal) == []


def test_the_core_does_not_probe_kinds_with_getattr():
    # getattr(<first argument>, ...): the first argument must not be a kind or the registry.
    # lms/plugins.py is the interface itself: its registry checks the kind classes.
    probe = re.compile(r"getattr\(([^,]*),")
    kindish = lambda m: re.search(r"kind|registry|plugin", m.group(1), re.I)  # noqa: E731
    assert _findings(probe, kindish, skip={"plugins.py"}) == []


def test_the_core_reads_only_declared_hooks():
    reads = re.compile(r"(?:kind_plugin|(?:registry|kinds)\.(?:get|find)\([^()]*\))\.(\w+)")
    assert _findings(reads, lambda m: m.group(1) not in DECLARED_HOOKS) == []
    assert _findings(reads), "the pattern finds the core's reads (e.g. kind_plugin.label)"


def test_the_scan_would_see_a_probe():
    """The patterns catch what they are for (a check on the checks)."""
    probe = re.compile(r"getattr\(([^,]*),")
    line = 'return bool(getattr(_kind(event), "makeup_days", False)) and activity.kind == "network"'
    assert re.search(r"kind", probe.search(line).group(1))
    assert re.search(r"""(["'])(network)\1""", line)
