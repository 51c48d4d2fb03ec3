"""Domain errors raised by operations; the HTML views and the API translate them."""


class DomainError(Exception):
    """Base class. ``code`` is the API's error code, ``message`` a translated text."""

    status = 400
    code = "bad_request"

    def __init__(self, message=None, code=None, fields=None, **extra):
        super().__init__(message or code or self.code)
        self.message = str(message) if message is not None else None
        if code:
            self.code = code
        self.fields = fields or {}
        self.extra = extra


class ValidationError(DomainError):
    """Input that breaks a rule; ``fields`` maps field names to lists of problems."""

    status = 422
    code = "validation_error"


class Conflict(DomainError):
    """The request is valid but clashes with the current state (409)."""

    status = 409
    code = "conflict"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
