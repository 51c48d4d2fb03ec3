"""Small input checks shared by operations (JSON bodies and forms alike)."""
from datetime import date, datetime, timezone

import math
import re

from flask_babel import gettext as _

from lms.errors import ValidationError


DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# One rule for every text a user sends (JSON bodies, forms, query strings): no NUL, no
# other control character (C0, DEL, C1) and no lone surrogate (not encodable as UTF-8).
# Multi-line texts may keep tab, newline and carriage return. A stored control character
# later breaks exports (openpyxl refuses it) and PostgreSQL refuses NUL outright.
_FORBIDDEN_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_FORBIDDEN_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# Ids are 32-bit integer columns: a larger number can name nothing (and PostgreSQL refuses it).
MAX_ID = 2**31 - 1


def has_control_characters(value, multiline=False):
    """True when ``value`` holds a character no text field accepts (see above)."""
    pattern = _FORBIDDEN_MULTILINE if multiline else _FORBIDDEN_SINGLE_LINE
    return isinstance(value, str) and pattern.search(value) is not None


def control_characters_message(multiline=False):
    if multiline:
        return _("Must not contain control characters (only tab and line breaks are allowed).")
    return _("Must not contain control characters or line breaks.")


def find_unusable_values(value, path=""):
    """``{field path: [problem]}`` for what no JSON body may hold, at any depth: strings
    (and object keys) that break the multi-line text rule, and the non-finite numbers
    (NaN, Infinity) Python's JSON reader lets in. The API's safety net for every body;
    paths read ``sessions[0].place``."""
    found = {}
    if isinstance(value, float) and not math.isfinite(value):
        found[path or "body"] = [_("Must be a finite number.")]
    elif isinstance(value, str):
        if has_control_characters(value, multiline=True):
            found[path or "body"] = [control_characters_message(multiline=True)]
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            if has_control_characters(key, multiline=True):
                found[path or "body"] = [control_characters_message(multiline=True)]
                continue
            found.update(find_unusable_values(item, name))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found.update(find_unusable_values(item, f"{path}[{i}]"))
    return found


def is_id(value):
    """A JSON id: an int (not a bool) that a 32-bit id column can hold."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


class Problems(dict):
    """Collects field problems; ``raise_if_any()`` raises one ValidationError for all."""

    def add(self, field, message, code=None):
        self.setdefault(field, []).append(str(message))
        if code:
            self.setdefault("_codes", set()).add(code)

    def raise_if_any(self, message=None):
        codes = self.pop("_codes", set())
        if self:
            code = next(iter(codes)) if len(codes) == 1 else "validation_error"
            raise ValidationError(message or _("Some values are not valid."), code=code, fields=dict(self))


def text(data, name, problems, *, required=False, max_length=300, default=None, multiline=None):
    """A trimmed string from ``data[name]`` (None when absent and not required).

    Long texts (``max_length`` of 2000 or more) are multi-line unless told otherwise."""
    value = data.get(name, default)
    if value is None:
        if required:
            problems.add(name, _("This field is required."))
        return None
    if not isinstance(value, str):
        problems.add(name, _("Must be text."))
        return None
    if multiline is None:
        multiline = max_length >= 2000
    if has_control_characters(value, multiline):
        problems.add(name, control_characters_message(multiline))
        return None
    value = value.strip()
    if required and not value:
        problems.add(name, _("This field is required."))
        return None
    if len(value) > max_length:
        problems.add(name, _("At most %(n)s characters.", n=max_length))
        return None
    return value


def integer(data, name, problems, *, required=False, minimum=None, maximum=None, code=None):
    value = data.get(name)
    if value is None or value == "":
        if required:
            problems.add(name, _("This field is required."), code)
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        problems.add(name, _("Must be a whole number."), code)
        return None
    try:
        number = int(value)
    except ValueError:
        problems.add(name, _("Must be a whole number."), code)
        return None
    # Every integer column is 32-bit: without a narrower bound, keep within it.
    minimum = -MAX_ID - 1 if minimum is None else minimum
    maximum = MAX_ID if maximum is None else maximum
    if minimum is not None and number < minimum:
        problems.add(name, _("Must be at least %(n)s.", n=minimum), code)
        return None
    if maximum is not None and number > maximum:
        problems.add(name, _("Must be at most %(n)s.", n=maximum), code)
        return None
    return number


def boolean(data, name, problems, default=None):
    value = data.get(name, default)
    if value is None or isinstance(value, bool):
        return value
    problems.add(name, _("Must be true or false."))
    return None


def choice(data, name, choices, problems, *, required=False, default=None):
    value = data.get(name, default)
    if value is None:
        if required:
            problems.add(name, _("This field is required."))
        return None
    if not isinstance(value, str) or value not in choices:
        problems.add(name, _("Choose one of: %(choices)s.", choices=", ".join(choices)))
        return None
    return value


def iso_date(data, name, problems):
    value = data.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        if not DATE_RE.match(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        problems.add(name, _("Give a date as YYYY-MM-DD."))
        return None


def aware_datetime(data, name, problems, *, required=False):
    """An ISO 8601 datetime WITH offset (naive times are ambiguous and refused)."""
    value = data.get(name)
    if value is None or value == "":
        if required:
            problems.add(name, _("This field is required."))
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except (AttributeError, TypeError, ValueError):
            problems.add(name, _("Give a date and time in ISO 8601 with an offset, e.g. 2026-03-01T09:00:00+01:00."))
            return None
    if parsed.tzinfo is None:
        problems.add(name, _("The time needs an offset, e.g. +01:00 or Z."))
        return None
    try:
        # Years far out overflow once shifted to UTC (0001-01-01T00:00+01:00) or later on.
        if not 1900 <= parsed.year <= 2999:
            raise OverflowError(parsed.year)
        return parsed.astimezone(timezone.utc)
    except OverflowError:
        problems.add(name, _("Give a date and time in ISO 8601 with an offset, e.g. 2026-03-01T09:00:00+01:00."))
        return None


def id_list(data, name, problems):
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        problems.add(name, _("Must be a list of ids."))
        return None
    if not all(is_id(v) for v in value):
        problems.add(name, _("No such id."))
        return None
    return list(dict.fromkeys(value))


def str_list(data, name, problems):
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.add(name, _("Must be a list of texts."))
        return None
    if any(has_control_characters(v) for v in value):
        problems.add(name, control_characters_message())
        return None
    return list(dict.fromkeys(value))


EMAIL_MAX_LENGTH = 254


def normalise_email(value):
    """``(address, problem)``: the address stripped and lower-cased, and a translated
    problem when it is not a valid address (None when it is). The one rule for email
    addresses everywhere: forms, the API, CSV imports, the CLI."""
    from email_validator import EmailNotValidError, validate_email

    if not isinstance(value, str):
        return None, _("Must be text.")
    email = value.strip().lower()
    if not email:
        return email, _("This field is required.")
    if len(email) > EMAIL_MAX_LENGTH:
        return email, _("At most %(n)s characters.", n=EMAIL_MAX_LENGTH)
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return email, _("Give a valid email address.")
    return email, None


def email(data, name, problems, *, required=False):
    """A normalised email address from ``data[name]`` (None when absent and not required)."""
    value = data.get(name)
    if value is None:
        if required:
            problems.add(name, _("This field is required."))
        return None
    address, problem = normalise_email(value)
    if problem is not None:
        problems.add(name, problem)
        return None
    return address


class NoControlCharacters:
    """WTForms validator: the same rule as :func:`text` (single-line unless ``multiline``)."""

    field_flags = {}

    def __init__(self, multiline=False):
        self.multiline = multiline

    def __call__(self, form, field):
        from wtforms.validators import StopValidation

        values = field.data if isinstance(field.data, (list, tuple)) else [field.data]
        if any(has_control_characters(v, self.multiline) for v in values):
            raise StopValidation(control_characters_message(self.multiline))
