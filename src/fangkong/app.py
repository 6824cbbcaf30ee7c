"""create_app(settings) -> FastAPI: routers, handlers, static files, templates, middleware."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib.resources import files

from fastapi import Depends, FastAPI, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from fangkong import __version__
from fangkong.accounts import api as accounts_api
from fangkong.accounts import pages as accounts_pages
from fangkong.accounts.guard import password_change_guard
from fangkong.areas import api as areas_api
from fangkong.areas import pages as areas_pages
from fangkong.arrivals import api as arrivals_api
from fangkong.arrivals import pages as arrivals_pages
from fangkong.db import make_engine, make_session_factory
from fangkong.i18n import Translator, negotiate
from fangkong.quarantine import api as quarantine_api
from fangkong.quarantine import pages as quarantine_pages
from fangkong.registry import api as registry_api
from fangkong.registry import import_pages as registry_import_pages
from fangkong.registry import pages as registry_pages
from fangkong.reports import bulletin_notice_pages as reports_bulletin_notice_pages
from fangkong.reports import bulletin_pages as reports_bulletin_pages
from fangkong.reports import daily_api as reports_daily_api
from fangkong.reports import daily_pages as reports_daily_pages
from fangkong.reports import dashboard_api as reports_dashboard_api
from fangkong.reports import dashboard_pages as reports_dashboard_pages
from fangkong.reports import public_pages as reports_public_pages
from fangkong.screening import api as screening_api
from fangkong.screening import pages as screening_pages
from fangkong.settings import Settings
from fangkong.testing import api as testing_api
from fangkong.testing import pages as testing_pages
from fangkong.web import handlers, policy
from fangkong.web import pages as web_pages
from fangkong.web.cookies import CookieSigner
from fangkong.web.csrf import CSRF_COOKIE, ensure_csrf_cookie, verify_csrf

LOCALE_COOKIE = "fk_lang"
API_PREFIX = "/api/v1"


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(
        title="fangkong 防控",
        version=__version__,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(verify_csrf), Depends(password_change_guard)],
    )
    engine = make_engine(settings)
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.state.write_session_factory = make_session_factory(engine, write=True)
    app.state.cookie_signer = CookieSigner(
        settings.secret_key, max_age_seconds=settings.session_hours * 3600 * 30
    )
    handlers.install(app)
    _install_request_state(app, settings)
    static_dir = files("fangkong") / "static"
    app.mount("/static", StaticFiles(directory=str(static_dir)), name="static")
    for router in (
        web_pages.router,
        policy.pages,
        accounts_pages.router,
        areas_pages.router,
        registry_pages.router,
        registry_import_pages.router,
        screening_pages.router,
        arrivals_pages.router,
        quarantine_pages.router,
        reports_daily_pages.router,
        reports_dashboard_pages.router,
        reports_bulletin_pages.router,
        reports_bulletin_notice_pages.router,
        reports_public_pages.router,
        testing_pages.router,
    ):
        app.include_router(router, include_in_schema=False)
    for router in (
        policy.api,
        accounts_api.router,
        areas_api.router,
        registry_api.router,
        screening_api.router,
        arrivals_api.router,
        quarantine_api.router,
        reports_daily_api.router,
        reports_dashboard_api.router,
        testing_api.router,
    ):
        app.include_router(router, prefix=API_PREFIX)
    app.add_api_route(f"{API_PREFIX}/docs", _docs, include_in_schema=False)
    return app


async def _docs() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url=f"{API_PREFIX}/openapi.json",
        title="fangkong API",
        swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
        swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
        swagger_favicon_url="/static/favicon.svg",
    )


def _install_request_state(app: FastAPI, settings: Settings) -> None:
    """Per request: the translator (cookie, else default locale) and the CSRF cookie."""

    @app.middleware("http")
    async def request_state(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        locale = negotiate(request.cookies.get(LOCALE_COOKIE), settings.locale)
        request.state.tr = Translator(locale, settings.zone)
        request.state.principal = None
        new_csrf = ensure_csrf_cookie(request)
        response = await call_next(request)
        if new_csrf is not None:
            response.set_cookie(
                CSRF_COOKIE, new_csrf, httponly=False, samesite="lax",
                secure=settings.https_only_cookies, max_age=30 * 24 * 3600,
            )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response
