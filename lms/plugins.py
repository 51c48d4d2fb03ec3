"""The activity-kind plugin interface and its registry.

Every format of learning activity (seminar, workshop, network, track, or one brought by
another distribution) is an :class:`ActivityKind` registered under the entry-point group
``lms.activity_kinds``. The core reaches kinds only through :data:`registry`, and asks a
kind only what :class:`ActivityKind` declares: the registry refuses a kind that adds
public attributes or methods of its own (a private helper starts with ``_``).
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

    This class is the whole plugin interface: every attribute and method below is a hook
    the core may ask about, with its default. A kind overrides the hooks it needs and
    keeps its own helpers private (names starting with ``_``).
    """

    #: The stable identifier stored in ``activity.kind``.
    code: str = ""
    #: The translatable name shown to people.
    label = ""
    #: One translatable sentence for coordinators.
    description = ""
    #: A FlaskForm class for the kind's settings, or None.
    settings_form = None
    #: An optional Blueprint with the kind's own pages (registered on the app at start-up;
    #: its templates are found through the blueprint's ``template_folder``).
    blueprint = None
    #: True when a missed session may be made up by attending the same session (day
    #: number) in another cohort (event) of the same activity: the other cohort's trainer
    #: marks the person as a guest, and the roster calls sessions "days".
    makeup_days: bool = False
    #: True when events of this kind may be held to a meeting cadence (the activity's
    #: :meth:`cadence_per_year`): the progress API's ``cadence`` rows list every such event,
    #: with its requirement (0 included), and the cadence checks ask the hook.
    keeps_cadence: bool = False

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

    def cadence_per_year(self, settings: dict) -> int:
        """Meetings an event of an activity with these ``settings`` must hold per year.

        Asked for kinds that :attr:`keeps_cadence`. A positive number makes the core check
        the event's cadence (roster, completion page, dashboard warnings, the progress
        API's ``short``); 0, the default, means no requirement."""
        return 0

    def event_links(self, event, user) -> list[tuple[str, str]]:
        """``(label, url)`` pairs of the kind's own pages for ``event`` that ``user`` may
        open; the roster and the event page show them. The default is none."""
        return []

    def programme_links(self, programme, user) -> list[tuple[str, str]]:
        """``(label, url)`` pairs of the kind's own pages about ``programme`` that ``user``
        may open; the programme's dashboard shows them. The default is none."""
        return []

    def migrations_dir(self) -> str | None:
        """The directory of the kind's own Alembic revisions (a branch with its own
        ``branch_labels``), added to the core's version locations; None when the kind
        has no tables of its own."""
        return None


#: The hooks of the interface: every public name :class:`ActivityKind` declares.
DECLARED_HOOKS = frozenset(name for name in dir(ActivityKind) if not name.startswith("_"))


def undeclared_names(cls, instance=None):
    """Public attributes and methods that ``cls`` (or a class between it and
    :class:`ActivityKind`), or the ``instance`` itself, defines but the interface does
    not declare."""
    base = set(ActivityKind.__mro__)
    names = set()
    for klass in cls.__mro__:
        if klass not in base:
            names.update(vars(klass))
    if instance is not None:
        names.update(getattr(instance, "__dict__", {}))
    return sorted(name for name in names - DECLARED_HOOKS if not name.startswith("_"))


def _check_interface(cls, where, instance=None):
    unknown = undeclared_names(cls, instance)
    if unknown:
        raise RegistryError(
            f"Activity kind {where} defines public names that lms.plugins.ActivityKind does not "
            f"declare: {', '.join(unknown)}. Rename the kind's own helpers to start with '_', or "
            f"implement the declared hooks: {', '.join(sorted(DECLARED_HOOKS))}."
        )
    hooks = sorted(name for name in DECLARED_HOOKS
                   if callable(getattr(ActivityKind, name)) and not callable(getattr(cls, name)))
    if hooks:
        raise RegistryError(
            f"Activity kind {where} replaces the method(s) {', '.join(hooks)} of "
            f"lms.plugins.ActivityKind with a value; they must stay methods."
        )


class RegistryError(RuntimeError):
    """Raised at start-up when an installed kind is unusable."""


class UnknownKind(LookupError):
    """An activity's kind is not installed on this server (its ``code``)."""
    def __init__(self, code):
        """Name the missing kind."""
        super().__init__(code)
        self.code = code


class Registry:
    """The installed activity kinds, by code."""

    def __init__(self):
        """An empty registry (see :meth:`load`)."""
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
            _check_interface(obj, f"{kind.code or ep.name!r} ({ep.value})", kind)
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
        """Add one kind instance (a distribution may register by hand; tests do), checked
        like the kinds :meth:`load` finds."""
        if not isinstance(kind, ActivityKind):
            raise RegistryError(f"{kind!r} is not an ActivityKind.")
        cls = type(kind)
        _check_interface(cls, f"{kind.code!r} ({cls.__module__}:{cls.__qualname__})", kind)
        if kind.code in self._kinds:
            raise RegistryError(f"Two activity kinds use the code {kind.code!r}.")
        self._kinds[kind.code] = kind

    def find(self, code):
        """The kind with this code, or None."""
        return self._kinds.get(code)

    def get(self, code):
        """The kind with this code; :class:`UnknownKind` when it is not installed."""
        try:
            return self._kinds[code]
        except KeyError:
            raise UnknownKind(code) from None

    def all(self):
        """Every installed kind."""
        return list(self._kinds.values())

    def codes(self):
        """The installed kinds' codes."""
        return list(self._kinds)

    def choices(self):
        """``(code, label)`` pairs for a select field."""
        return [(k.code, str(k.label)) for k in self._kinds.values()]

    def __contains__(self, code):
        """Whether a kind with this code is installed."""
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
    """Raise the settings' ValidationError when ``errors`` (from :func:`require_number`) has any."""
    if errors:
        raise ValidationError(_l("The settings are not valid."), fields=errors)
