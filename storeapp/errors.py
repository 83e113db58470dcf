"""Domain errors: each carries a stable machine code and a message a cashier can read."""

from __future__ import annotations


class DomainError(Exception):
    """A request the rules refuse. Nothing has been changed when it is raised."""

    code = "refused"

    def __init__(self, code: str | None = None, message: str = "") -> None:
        super().__init__(message)
        if code:
            self.code = code
        self.message = message

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
