"""The domain error tree. Each error carries a stable code and a message id for the catalog.

`web/handlers.py` turns them into `{code, message, fields}` JSON or a message on the page;
`HTTPException` never appears outside `web/`.
"""

from __future__ import annotations

from typing import ClassVar

from fangkong.i18n import N_


class DomainError(Exception):
    """Base of every expected failure; `message` is an English msgid, translated at the edge."""

    code: ClassVar[str] = "error"
    status: ClassVar[int] = 400
    message: str

    def __init__(
        self,
        message: str | None = None,
        *,
        fields: dict[str, str] | None = None,
        params: dict[str, object] | None = None,
    ) -> None:
        self.message = message or self.default_message()
        self.fields = fields or {}
        self.params = params or {}
        super().__init__(self.message)

    @classmethod
    def default_message(cls) -> str:
        return N_("The request could not be completed.")


class NotFound(DomainError):
    code = "not_found"
    status = 404

    @classmethod
    def default_message(cls) -> str:
        return N_("Not found.")


class Unauthenticated(DomainError):
    code = "unauthenticated"
    status = 401

    @classmethod
    def default_message(cls) -> str:
        return N_("Please sign in.")


class Forbidden(DomainError):
    code = "forbidden"
    status = 403

    @classmethod
    def default_message(cls) -> str:
        return N_("You do not have permission to do this.")


class Conflict(DomainError):
    code = "conflict"
    status = 409

    @classmethod
    def default_message(cls) -> str:
        return N_("This conflicts with existing data.")


class Invalid(DomainError):
    code = "invalid"
    status = 422

    @classmethod
    def default_message(cls) -> str:
        return N_("Some fields are not valid.")


class TooManyRequests(DomainError):
    code = "too_many_requests"
    status = 429

    @classmethod
    def default_message(cls) -> str:
        return N_("Too many attempts. Please wait and try again.")
