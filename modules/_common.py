"""Helpers shared by the built-in kinds (not part of the plugin interface)."""

ATTENDED = ("present", "late")


def attended_marks(marks):
    return [m for m in marks if m.status in ATTENDED]


def hours_of(marks, hours_per_session=None):
    """Hours credited for attended marks: minutes attended, else the fixed rate, else length."""
    total = 0.0
    for m in attended_marks(marks):
        if getattr(m, "minutes", None):
            total += m.minutes / 60
        elif hours_per_session is not None:
            total += float(hours_per_session)
        else:
            total += m.session.hours
    return round(total, 2)
