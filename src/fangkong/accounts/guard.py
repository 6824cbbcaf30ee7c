"""After an administrator's reset, a person must choose a new password before anything else.

`password_change_guard` is a dependency raising `PasswordChangeRequired` for any page but the
account page, sign-out and the language switch; `GuardedRoute` turns that error into a redirect
to `/account`. The account pages use both; wired app-wide, they hold every page.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute

from fangkong.errors import Forbidden
from fangkong.i18n import N_
from fangkong.web.deps import MaybeUser

ACCOUNT_PAGE = "/account"
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


def password_change_guard(request: Request, principal: MaybeUser) -> None:
    """Refuse every page but the open ones while the signed-in user must change the password."""
    if principal is None or principal.via != "session":
        return
    if principal.user.must_change_password and not is_open(request.url.path):
        raise PasswordChangeRequired()


class GuardedRoute(APIRoute):
    """A page route that answers PasswordChangeRequired with a redirect to the account page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except PasswordChangeRequired:
                return RedirectResponse(ACCOUNT_PAGE, status_code=303)

        return guarded
