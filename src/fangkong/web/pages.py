"""Pages of the shell itself: the home page and the language switch."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from fangkong.i18n import LOCALES
from fangkong.web.deps import MaybeUser, SettingsDep

router = APIRouter()

LOCALE_COOKIE = "fk_lang"


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go back to; anything pointing elsewhere becomes the default."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


@router.get("/")
def home(principal: MaybeUser) -> RedirectResponse:
    """A signed-in person starts at their own area; everyone else at the sign-in page."""
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(f"/areas/{principal.actor.area_code}", status_code=303)


@router.post("/locale")
def switch_locale(
    request: Request,
    principal: MaybeUser,
    settings: SettingsDep,
    locale: Annotated[str, Form()],
    next_: Annotated[str | None, Form(alias="next")] = None,
) -> RedirectResponse:
    """Switch the interface language; remembered in a cookie and on the user's account."""
    chosen = locale if locale in LOCALES else settings.locale
    if principal is not None:
        principal.user.locale = chosen
    referer = urlsplit(request.headers.get("referer", "")).path or None
    response = RedirectResponse(safe_next(next_ or referer), 303)
    response.set_cookie(
        LOCALE_COOKIE, chosen, max_age=365 * 24 * 3600, samesite="lax",
        secure=settings.https_only_cookies,
    )
    return response
