"""The completion area."""


def init_app(app):
    """Connect the area's receivers for ``app`` (see :mod:`lms.signals`)."""
    from lms import signals
    from lms.completion.operations import on_attendance_changed

    signals.attendance_changed.connect(on_attendance_changed, sender=app)
