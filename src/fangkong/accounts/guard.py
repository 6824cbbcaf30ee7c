"""After an administrator's reset, a person must choose a new password before anything else.

`password_change_guard`, an app-wide dependency, raises `PasswordChangeRequired` for any page
but the account page, sign-out and the language switch; the error handler answers it on a page
with a redirect to `/account`.
"""

from __future__ import annotations

from fastapi import Request

from fangkong.errors import Forbidden
from fangkong.i18n import N_
from fangkong.web.deps import MaybeUser

OPEN_PATHS = ("/account", "/logout", "/login", "/locale", "/static/", "/api/")


class PasswordChangeRequired(Forbidden):
    code = "accounts.password_change_required"

    @classmethod
    def default_message(cls) -> str:
        return N_("Your password was reset. Please choose a new password before you continue.")


def is_open(path: str) -> bool:
    return any(
        path == prefix.rstrip("/") or path.startswith(prefix.rstrip("/") + "/")
        for prefix in OPEN_PATHS
    )


async def password_change_guard(request: Request, principal: MaybeUser) -> None:
    """Refuse every page but the open ones while the signed-in user must change the password.

    Async on purpose: it only reads the caller, so it takes no worker thread (a writing request
    on SQLite holds the write lock from its first query; a second thread per request could
    exhaust the pool while every holder waits for the lock)."""
    if principal is None or principal.via != "session":
        return
    if principal.user.must_change_password and not is_open(request.url.path):
        raise PasswordChangeRequired()
