"""Small input checks shared by operations (JSON bodies and forms alike)."""
from datetime import date, datetime, timezone

import re

from flask_babel import gettext as _

from lms.errors import ValidationError


DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


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


def text(data, name, problems, *, required=False, max_length=300, default=None):
    """A trimmed string from ``data[name]`` (None when absent and not required)."""
    value = data.get(name, default)
    if value is None:
        if required:
            problems.add(name, _("This field is required."))
        return None
    if not isinstance(value, str):
        problems.add(name, _("Must be text."))
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
    return parsed.astimezone(timezone.utc)


def id_list(data, name, problems):
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        problems.add(name, _("Must be a list of ids."))
        return None
    return list(dict.fromkeys(value))


def str_list(data, name, problems):
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.add(name, _("Must be a list of texts."))
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
