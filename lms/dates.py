"""Dates and times the Nordic way: one set of named formats for every page, email and PDF.

Every human-readable date or time goes through this module (the Jinja filters registered
in :func:`lms.web.init_app` call it). Values are stored in UTC and shown in the reader's
timezone (Flask-Babel's ``get_timezone()``, default Europe/Stockholm), in the reader's
locale; English is shown the European way (Babel locale ``en_GB``): day before month,
24-hour clock, never seconds.

The named formats are CLDR skeletons, so each language gets its own punctuation
("13 aug. 2027" in Swedish, "13. aug. 2027" in Danish and Norwegian, "09.30" in Danish):

========  ==================  ===============================  ====================
name      skeleton            sv                               en
========  ==================  ===============================  ====================
weekday   ``yMMMEd``          fre 13 aug. 2027                 Fri 13 Aug 2027
day       ``yMMMd``           13 aug. 2027                     13 Aug 2027
month     ``yMMMM``           augusti 2027                     August 2027
time      ``Hm``              09:30                            09:30
========  ==================  ===============================  ====================

Combined: a *moment* is "day time" ("13 aug. 2027 09:30", audit trails, issued at ...);
a *session* is "weekday time–time" ("fre 13 aug. 2027 09:30–12:30"), with both dates when
it ends on another day.

The timezone is named only when the text is written for a reader whose timezone is not
the one the app is read in: emails and certificates are rendered with :func:`for_reader`
(the recipient's locale and timezone; the zone is appended when that timezone differs
from the application's, e.g. "(EEST)" for a reader in Helsinki), and iCal descriptions
always name it (a calendar shows its own times in the device's zone). Pages never do.

Machine formats (ISO in the API, iCal DTSTART, CSV/XLSX, ``<time datetime>``) do not
use this module, except :func:`iso` for ``<time datetime="...">`` attributes.
"""
from contextlib import contextmanager
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime as _babel_format
from flask import current_app, g, has_app_context

# The named formats (CLDR skeletons), resolved through each locale's data.
FORMATS = {
    "weekday": "yMMMEd",
    "day": "yMMMd",
    "month": "yMMMM",
    "time": "Hm",
}
# en_GB puts a comma after the weekday ("Fri, 13 Aug 2027"); read as the Nordic languages do.
OVERRIDES = {"en_GB": {"yMMMEd": "EEE d MMM y"}}
# Languages shown with another locale's formats (English the European way, not en_US).
FORMAT_LOCALES = {"en": "en_GB"}
DEFAULT_TIMEZONE = "Europe/Stockholm"
TIME_RANGE = "\u2013"  # 09:30–12:30
DAY_RANGE = " \u2013 "  # 13 aug. 2027 – 15 aug. 2027
ALWAYS = "always"


def _zone(value):
    if value is None:
        return None
    if isinstance(value, str):
        return ZoneInfo(value)
    key = getattr(value, "key", None) or getattr(value, "zone", None)
    return ZoneInfo(key) if key else value


def _zone_name(tz):
    return getattr(tz, "key", None) or getattr(tz, "zone", None) or str(tz)


def app_timezone():
    """The application's timezone (BABEL_DEFAULT_TIMEZONE), where readers are by default."""
    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE") if has_app_context() else None
    return ZoneInfo(name or DEFAULT_TIMEZONE)


def display_timezone():
    """The timezone values are shown in: the forced reader's, else the user's (Flask-Babel)."""
    if has_app_context():
        forced = g.get("_dates_tz")
        if forced is not None:
            return forced
        from flask_babel import get_timezone

        try:
            return _zone(get_timezone()) or app_timezone()
        except Exception:  # an unknown zone name on a profile must not break a page
            return app_timezone()
    return ZoneInfo(DEFAULT_TIMEZONE)


def _home_timezone():
    """The reader's own timezone, or ALWAYS when the zone is always named (iCal)."""
    if has_app_context() and g.get("_dates_home") is not None:
        return g.get("_dates_home")
    return display_timezone()


def format_locale(locale=None):
    """The Babel locale the formats are taken from (``en`` is read as ``en_GB``)."""
    if locale is None:
        from flask_babel import get_locale

        locale = (get_locale() if has_app_context() else None) or "en"
    locale = Locale.parse(str(locale))
    name = FORMAT_LOCALES.get(str(locale), str(locale))
    return Locale.parse(name)


def pattern(kind, locale=None):
    """The CLDR pattern of a named format in ``locale`` (default: the current one)."""
    loc = format_locale(locale)
    skeleton = FORMATS[kind]
    override = OVERRIDES.get(str(loc), {}).get(skeleton)
    if override:
        return override
    if skeleton in loc.datetime_skeletons:
        return str(loc.datetime_skeletons[skeleton])
    # Not in the locale's data: let Babel find the closest skeleton.
    from babel.dates import match_skeleton

    best = match_skeleton(skeleton, loc.datetime_skeletons)
    return str(loc.datetime_skeletons[best]) if best else "d MMM y"


def local(value):
    """A stored datetime in the display timezone (naive values are taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(display_timezone())


def _fmt(kind, value, locale=None):
    loc = format_locale(locale)
    if isinstance(value, datetime):
        value = local(value)
        return _babel_format(value, pattern(kind, loc), tzinfo=value.tzinfo, locale=loc)
    # A calendar date: no timezone to convert.
    from babel.dates import format_date as _babel_date

    return _babel_date(value, pattern(kind, loc), locale=loc)


def _as_value(value):
    """Dates may arrive as ISO strings (certificate snapshots, "YYYY-MM" months)."""
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 7:
            text += "-01"
        try:
            return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
    return value


def zone_suffix(value):
    """" (CEST)" when the text is written for a reader elsewhere; "" on pages."""
    if not isinstance(value, datetime):
        return ""
    shown, home = display_timezone(), _home_timezone()
    if home != ALWAYS and _zone_name(shown) == _zone_name(home):
        return ""
    moment = local(value)
    return " (" + _babel_format(moment, "z", tzinfo=moment.tzinfo, locale=format_locale()) + ")"


# The named formats -------------------------------------------------------------

def day(value, locale=None):
    """A date alone: "13 aug. 2027" (a datetime is taken on the reader's calendar)."""
    value = _as_value(value)
    return _fmt("day", value, locale) if value else ""


def weekday(value, locale=None):
    """A date with its weekday: "fre 13 aug. 2027"."""
    value = _as_value(value)
    return _fmt("weekday", value, locale) if value else ""


def time(value, locale=None):
    """A time alone: "09:30" (Danish "09.30")."""
    return (_fmt("time", value, locale) + zone_suffix(value)) if value else ""


def moment(value, locale=None):
    """A date and time, for audit trails and timestamps: "13 aug. 2027 09:30"."""
    value = _as_value(value)
    if not value:
        return ""
    if not isinstance(value, datetime):
        return day(value, locale)
    return f"{_fmt('day', value, locale)} {_fmt('time', value, locale)}{zone_suffix(value)}"


def month(value, locale=None):
    """A month: "augusti 2027" (also from a "2027-08" string)."""
    value = _as_value(value)
    return _fmt("month", value, locale) if value else ""


def session_range(start, end=None, locale=None):
    """A session: "fre 13 aug. 2027 09:30–12:30"; both dates when it ends on another day.

    ``start`` may be a session (anything with ``starts_at`` and ``ends_at``)."""
    if start is not None and not isinstance(start, (datetime, date)) and hasattr(start, "starts_at"):
        start, end = start.starts_at, getattr(start, "ends_at", None)
    if not start:
        return ""
    first = f"{_fmt('weekday', start, locale)} {_fmt('time', start, locale)}"
    if not end:
        return first + zone_suffix(start)
    if local(start).date() == local(end).date():
        return f"{first}{TIME_RANGE}{_fmt('time', end, locale)}{zone_suffix(start)}"
    last = f"{_fmt('weekday', end, locale)} {_fmt('time', end, locale)}"
    return f"{first}{DAY_RANGE}{last}{zone_suffix(start)}"


def day_range(start, end=None, locale=None):
    """A period of days: "13 aug. 2027", or "13 aug. 2027 – 15 aug. 2027"."""
    start, end = _as_value(start), _as_value(end)
    first, last = day(start, locale), day(end, locale)
    if not first or not last or first == last:
        return first or last
    return f"{first}{DAY_RANGE}{last}"


def iso(value):
    """The machine form for ``<time datetime="...">``: UTC ISO 8601, or the ISO date."""
    value = _as_value(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%MZ")
    if isinstance(value, date):
        return value.isoformat()
    return ""


@contextmanager
def for_reader(locale=None, tz=None, always_zone=False):
    """Format for someone else (an email's recipient, a certificate's holder, a calendar):
    in their locale and timezone. The zone is named when ``tz`` differs from the app's
    timezone, or always with ``always_zone`` (iCal)."""
    from flask_babel import force_locale

    try:
        zone = _zone(tz) if tz else None
    except Exception:
        zone = None
    zone = zone or app_timezone()
    before = (g.get("_dates_tz"), g.get("_dates_home"))
    g._dates_tz, g._dates_home = zone, (ALWAYS if always_zone else app_timezone())
    try:
        if locale:
            with force_locale(locale):
                yield
        else:
            yield
    finally:
        g._dates_tz, g._dates_home = before


FILTERS = {
    "session_range": session_range,
    "day": day,
    "weekday": weekday,
    "moment": moment,
    "month": month,
    "time": time,
    "day_range": day_range,
    "iso": iso,
}
