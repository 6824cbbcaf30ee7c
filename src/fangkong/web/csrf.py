"""CSRF protection by double submit: a random cookie that every unsafe request must echo.

Forms carry it in the hidden field `csrf_token`, htmx and fetch in the `X-CSRF-Token` header.
Bearer-token clients are exempt: a browser never sends their credential by itself.
"""

from __future__ import annotations

import secrets

from fastapi import Request

from fangkong.errors import Forbidden
from fangkong.i18n import N_

CSRF_COOKIE = "fk_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfFailed(Forbidden):
    code = "csrf"

    @classmethod
    def default_message(cls) -> str:
        return N_("This form has expired. Please reload the page and try again.")


def ensure_csrf_cookie(request: Request) -> str | None:
    """Put the request's CSRF token on request.state; return it when it is new (to set)."""
    current = request.cookies.get(CSRF_COOKIE)
    if current and len(current) >= 32:
        request.state.csrf_token = current
        return None
    request.state.csrf_token = secrets.token_urlsafe(32)
    return str(request.state.csrf_token)


async def verify_csrf(request: Request) -> None:
    """App-wide dependency: unsafe requests must echo the CSRF cookie."""
    if request.method in SAFE_METHODS:
        return
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return
    expected = request.cookies.get(CSRF_COOKIE, "")
    given = request.headers.get(CSRF_HEADER, "")
    if not given and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else ""
    if not expected or not secrets.compare_digest(expected, given):
        raise CsrfFailed()
