"""The activity-kind plugin interface and its registry.

Every format of learning activity (seminar, workshop, network, track, or one brought by
another distribution) is an :class:`ActivityKind` registered under the entry-point group
``lms.activity_kinds``. The core reaches kinds only through :data:`registry`.
"""
from dataclasses import dataclass, field
from importlib.metadata import entry_points

from flask_babel import lazy_gettext as _l

from lms.errors import ValidationError

ENTRY_POINT_GROUP = "lms.activity_kinds"


@dataclass
class CompletionResult:
    """What a kind decides for one enrollment when its event is finalized."""

    completed: bool
    hours: float = 0.0
    reason: str | None = None
    details: dict = field(default_factory=dict)


class ActivityKind:
    """Base class of an activity kind. Subclass it and register it as an entry point.

    Class attributes:
      ``code``: the stable identifier stored in ``activity.kind``.
      ``label``: the translatable name shown to people.
      ``description``: one translatable sentence for coordinators.
      ``settings_form``: a FlaskForm class for the kind's settings, or None.
      ``blueprint``: an optional Blueprint with the kind's extra pages.
    """

    code: str = ""
    label = ""
    description = ""
    settings_form = None
    blueprint = None

    def default_settings(self) -> dict:
        """Settings a new activity of this kind starts with."""
        return {}

    def validate_settings(self, settings: dict) -> dict:
        """Check ``settings`` and return the cleaned dict to store.

        Raise :class:`lms.errors.ValidationError` with ``fields`` naming each bad setting.
        """
        raise NotImplementedError

    def settings_from_form(self, form) -> dict:
        """Turn a submitted ``settings_form`` into the settings dict (before validation)."""
        return {name: f.data for name, f in form._fields.items() if name != "csrf_token"}

    def completion(self, enrollment, marks) -> CompletionResult:
        """Decide whether ``enrollment`` completed, given its attendance ``marks``."""
        raise NotImplementedError

    def certificate_lines(self, completion) -> list[str]:
        """Kind-specific lines printed on the completion's certificate."""
        raise NotImplementedError

    def summary(self, settings: dict) -> list[str]:
        """Short human lines describing the settings (catalogue and activity page)."""
        return []

    def planned_sessions(self, settings: dict) -> int:
        """How many sessions (days, meetings) an event of this kind normally has, given
        the activity's ``settings``: a new event's form offers that many session rows.
        The default is one session."""
        return 1


class RegistryError(RuntimeError):
    """Raised at start-up when an installed kind is unusable."""


class UnknownKind(LookupError):
    def __init__(self, code):
        super().__init__(code)
        self.code = code


class Registry:
    """The installed activity kinds, by code."""

    def __init__(self):
        self._kinds = {}

    def load(self, group=ENTRY_POINT_GROUP):
        """(Re)load every kind from the entry-point group; refuse bad ones loudly."""
        kinds = {}
        for ep in sorted(entry_points(group=group), key=lambda e: e.name):
            obj = ep.load()
            if not (isinstance(obj, type) and issubclass(obj, ActivityKind)):
                raise RegistryError(
                    f"Entry point {ep.name!r} = {ep.value!r} in group {group!r} is not a "
                    f"subclass of lms.plugins.ActivityKind."
                )
            kind = obj()
            if not kind.code:
                raise RegistryError(f"Activity kind {ep.value!r} has no code.")
            if kind.code in kinds:
                raise RegistryError(
                    f"Two activity kinds use the code {kind.code!r}: "
                    f"{type(kinds[kind.code]).__module__}.{type(kinds[kind.code]).__name__} and {ep.value}."
                )
            kinds[kind.code] = kind
        self._kinds = kinds
        return self

    def register(self, kind):
        """Add one kind instance (used by load and by tests)."""
        if not isinstance(kind, ActivityKind):
            raise RegistryError(f"{kind!r} is not an ActivityKind.")
        if kind.code in self._kinds:
            raise RegistryError(f"Two activity kinds use the code {kind.code!r}.")
        self._kinds[kind.code] = kind

    def find(self, code):
        return self._kinds.get(code)

    def get(self, code):
        try:
            return self._kinds[code]
        except KeyError:
            raise UnknownKind(code) from None

    def all(self):
        return list(self._kinds.values())

    def codes(self):
        return list(self._kinds)

    def choices(self):
        return [(k.code, str(k.label)) for k in self._kinds.values()]

    def __contains__(self, code):
        return code in self._kinds


registry = Registry()


def require_number(settings, name, *, kind=int, minimum=None, maximum=None, default=None, errors):
    """Read ``settings[name]`` as ``kind`` within bounds; record a problem in ``errors``."""
    value = settings.get(name, default)
    if value is None or value == "":
        errors.setdefault(name, []).append(str(_l("This setting is required.")))
        return None
    try:
        if isinstance(value, bool):
            raise ValueError
        number = kind(value)
        if kind is int and number != float(value):
            raise ValueError
    except (TypeError, ValueError, OverflowError):
        errors.setdefault(name, []).append(str(_l("Must be a number.")))
        return None
    if minimum is not None and number < minimum:
        errors.setdefault(name, []).append(str(_l("Must be at least %(n)s.", n=minimum)))
        return None
    if maximum is not None and number > maximum:
        errors.setdefault(name, []).append(str(_l("Must be at most %(n)s.", n=maximum)))
        return None
    return number


def raise_if(errors):
    if errors:
        raise ValidationError(_l("The settings are not valid."), fields=errors)
