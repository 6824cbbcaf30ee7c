"""Per request, before any route: the translator (language cookie, else the default locale), an
empty caller, the CSRF token (a new cookie when the browser has none) and the security headers.

A plain ASGI middleware: it adds nothing to the request's path but these few dictionary
operations (no task, no response streaming in between), which matters on the benchmarked API.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fangkong.i18n import Translator, negotiate
from fangkong.settings import Settings
from fangkong.web.csrf import CSRF_COOKIE, ensure_csrf_cookie
from fangkong.web.pages import LOCALE_COOKIE

SECURITY_HEADERS = (
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "same-origin"),
)


class RequestState:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        locale = negotiate(request.cookies.get(LOCALE_COOKIE), self.settings.locale)
        request.state.tr = Translator(locale, self.settings.zone)
        request.state.principal = None
        new_csrf = ensure_csrf_cookie(request)
        cookie = self._csrf_cookie(new_csrf) if new_csrf is not None else None

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if cookie is not None:
                    headers.append("set-cookie", cookie)
                for name, value in SECURITY_HEADERS:
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _csrf_cookie(self, token: str) -> str:
        """The Set-Cookie value for a new CSRF token, formatted by Starlette's own response."""
        carrier = Response()
        carrier.set_cookie(CSRF_COOKIE, token, httponly=False, samesite="lax",
                           secure=self.settings.https_only_cookies, max_age=30 * 24 * 3600)
        return carrier.headers["set-cookie"]
