"""Domain errors: each carries a stable machine code, a message a cashier can read, and the
values that message names (so the counter can say it in the till's language: ui/messages.py)."""

from __future__ import annotations

#: A value an error names: money as ``*_fen`` integers, counts as integers, anything else (a
#: receipt number, a setting's name, a list of allowed values) as text.
Param = int | str


class DomainError(Exception):
    """A request the rules refuse. Nothing has been changed when it is raised.

    ``code`` is stable for programs; ``message`` is English for the command line and logs;
    ``variant`` says which of a code's situations this is when it has several (``bad_amount``:
    ``negative``, ``too_large``…); ``params`` are the values the message names, by name."""

    code = "refused"

    def __init__(self, code: str | None = None, message: str = "", *, variant: str = "",
                 **params: Param) -> None:
        super().__init__(message)
        if code:
            self.code = code
        self.message = message
        self.variant = variant
        self.params: dict[str, Param] = params

    def __str__(self) -> str:
        return self.message


class InvalidInput(DomainError):
    code = "invalid_input"


class NotFound(DomainError):
    code = "not_found"


class Refused(DomainError):
    code = "refused"


class AuthError(DomainError):
    code = "auth_failed"


class IdempotencyConflict(DomainError):
    code = "key_reused"


class StorageError(DomainError):
    """The till's database file cannot be used as it is (damaged, read-only, locked, full,
    missing): nothing was changed; the message says what a manager can do."""

    code = "storage"
