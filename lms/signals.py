"""The core's events, as named blinker signals (after Indico's ``indico/core/signals``).

An area that must react to another connects a receiver in its ``init_app(app)``; the
acting area sends. No module-level lists of callbacks, and no imports from a lower area
into a higher one: completion sends, certificates listens.

**Sender.** Every signal here is sent with the application as its sender
(``current_app._get_current_object()``, see :func:`send`), and receivers are connected
with ``sender=app``. A receiver connected by one app's ``init_app`` therefore never
fires for another app's sends: tests and benchmarks build several apps in one process,
and each app's receivers fire exactly once for its own sends. Connecting the same
receiver for the same app twice is a no-op (blinker keeps a set), and an app that is
garbage collected drops its connections (blinker holds the sender weakly).

Receivers are called as ``receiver(app, **kwargs)`` in the sender's transaction:
they flush, never commit. An exception in a receiver propagates to the sender (and
rolls the request back).

In tests, connect a receiver for the duration of a block with
``signal.connected_to(receiver, sender=app)``.
"""
from blinker import Namespace
from flask import current_app

_signals = Namespace()

event_finalized = _signals.signal("event-finalized", doc="""\
Completions were decided: an event was finalized, or (make-up marks) one enrollment's
completion was re-decided in an event already finalized.

Sent by :func:`lms.completion.operations.finalize` (the whole event) and
:func:`lms.completion.operations.refresh_completion` (one enrollment), after the
decisions are flushed.

:param sender: the Flask application.
:param event: the :class:`~lms.catalog.models.Event`.
:param outcome: the :class:`~lms.completion.operations.FinalizeOutcome`;
    ``outcome.completions`` are the completions just decided (all of the event's, or the
    one refreshed). A receiver may append certificate codes to ``outcome.certificates``
    and set ``outcome.batch_id`` (the certificates receiver does both).
:returns: ignored.
""")

completion_withdrawn = _signals.signal("completion-withdrawn", doc="""\
A completion is about to be deleted: finalizing again found the rule no longer met, or
the person is no longer enrolled. Sent before the row is deleted, so receivers can still
read it (the certificates receiver revokes its certificate).

Sent by :func:`lms.completion.operations.finalize` and
:func:`lms.completion.operations.refresh_completion`.

:param sender: the Flask application.
:param completion: the :class:`~lms.completion.models.Completion` being withdrawn.
:returns: ignored.
""")

certificate_codes = _signals.signal("certificate-codes", doc="""\
A query: the valid certificate codes of some completions (for transcripts).

Sent by :func:`lms.completion.operations.transcript` through :func:`collect`.

:param sender: the Flask application.
:param completion_ids: a list of :class:`~lms.completion.models.Completion` ids.
:returns: ``{completion_id: code}`` for those that have a valid certificate (``None``
    or ``{}`` for none); the answers of all receivers are merged.
""")


attendance_changed = _signals.signal("attendance-changed", doc="""\
A mark was recorded or changed (present, late, absent, excused; minutes).

Sent by :func:`lms.attendance.marking.mark` and
:func:`lms.attendance.marking.mark_all_present` for each mark written, after it is
flushed (the completion area re-decides a completion when the mark is a make-up day
for someone whose own event is already finalized).

:param sender: the Flask application.
:param session: the :class:`~lms.catalog.models.Session` the mark is for.
:param enrollment: the :class:`~lms.enrollment.models.Enrollment` marked (its event
    may be another than the session's: a make-up day).
:returns: ignored.
""")


def send(signal, **kwargs):
    """Send ``signal`` with the current application as the sender; blinker's list of
    ``(receiver, value)`` pairs."""
    return signal.send(current_app._get_current_object(), **kwargs)


def collect(signal, **kwargs):
    """Send a query signal whose receivers answer with dicts; their merged answers."""
    merged = {}
    for _receiver, value in send(signal, **kwargs):
        merged.update(value or {})
    return merged
