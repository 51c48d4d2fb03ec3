"""Outbox and calendar operations (stub until the notifications work lands)."""


def queue_enrollment_email(enrollment, what):
    return None
