"""After an administrator's reset, a person must choose a new password before anything else.

`refuse_until_password_changed`, applied wherever a request's caller is found, raises
`PasswordChangeRequired` for any page but the account page, sign-out and the language switch;
the error handler answers it on a page with a redirect to `/account`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fangkong.errors import Forbidden
from fangkong.i18n import N_

if TYPE_CHECKING:
    from fangkong.web.deps import Principal

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


def refuse_until_password_changed(path: str, principal: Principal | None) -> None:
    """Refuse every page but the open ones while the signed-in user must change the password.

    Called where the caller of a request is found (`web.deps.find_principal`): every page that
    knows who is signed in passes through it, and a page that does not ask has nothing personal
    to hold back."""
    if principal is None or principal.via != "session":
        return
    if principal.user.must_change_password and not is_open(path):
        raise PasswordChangeRequired()
