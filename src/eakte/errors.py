"""Domain errors, one hierarchy for every capability.

    EakteError                 base; ``message`` is a German sentence a user can act on
    ├── NotFoundError          the object does not exist or the user may not see it
    │   └── GoneError          the content existed but was destroyed at disposal (HTTP 410)
    ├── ValidationError        input is malformed (CSV row, code, reference rule, option)
    │   └── QueryError         a search query cannot be understood
    ├── ConflictError          the object exists already or changed concurrently
    ├── ClosedError            content of a closed (z.d.A.) case or dossier is read-only
    ├── PermissionDeniedError  the user may not perform this action
    ├── ConfigurationError     settings or database state do not allow the command
    └── DeliveryError          the mail server did not take a message (unreachable, refused)

Entry points map these to exit codes (CLI) or HTTP status codes (web). Anything that is not an
``EakteError`` is a bug and is reported as such.
"""

from __future__ import annotations


class EakteError(Exception):
    """Base class of all expected errors; ``str(error)`` is the message for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFoundError(EakteError):
    """The object does not exist, or exists but the acting user may not know it."""


class GoneError(NotFoundError):
    """The content was destroyed at the end of its retention; only its record remains."""


class ValidationError(EakteError):
    """The input is malformed."""


class QueryError(ValidationError):
    """A search query cannot be parsed."""


class ConflictError(EakteError):
    """A unique object exists already, or an object changed concurrently."""


class ClosedError(EakteError):
    """The case or dossier is closed (z.d.A.); its content is read-only."""


class PermissionDeniedError(EakteError):
    """The acting user may not perform this action."""


class ConfigurationError(EakteError):
    """Settings or the state of the installation do not allow the command."""


class DeliveryError(EakteError):
    """A message could not be handed to the mail server."""
