"""create_app(settings) -> FastAPI: routers, handlers, static files, templates, middleware."""

from __future__ import annotations

from importlib.resources import files

from fastapi import Depends, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from fangkong import __version__
from fangkong.accounts import api as accounts_api
from fangkong.accounts import pages as accounts_pages
from fangkong.areas import api as areas_api
from fangkong.areas import pages as areas_pages
from fangkong.arrivals import api as arrivals_api
from fangkong.arrivals import pages as arrivals_pages
from fangkong.db import make_engine, make_session_factory
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
from fangkong.web.csrf import verify_csrf
from fangkong.web.request_state import RequestState
from fangkong.web.units import WriteGate

API_PREFIX = "/api/v1"


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(
        title="fangkong 防控",
        version=__version__,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(verify_csrf)],
    )
    engine = make_engine(settings)
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.state.write_session_factory = make_session_factory(engine, write=True)
    if engine.dialect.name == "sqlite":
        app.state.write_gate = WriteGate(settings.sqlite_path())
    app.state.cookie_signer = CookieSigner(
        settings.secret_key, max_age_seconds=settings.session_hours * 3600 * 30
    )
    handlers.install(app)
    app.add_middleware(RequestState, settings=settings)
    static_dir = files("fangkong") / "static"
    app.mount("/static", StaticFiles(directory=str(static_dir)), name="static")
    # The API first: its routes are matched one after another, and the busiest submissions
    # (checks, arrivals) should not wait behind every page's pattern.
    for router in (
        quarantine_api.router,
        arrivals_api.router,
        policy.api,
        accounts_api.router,
        areas_api.router,
        registry_api.router,
        screening_api.router,
        reports_daily_api.router,
        reports_dashboard_api.router,
        testing_api.router,
    ):
        app.include_router(router, prefix=API_PREFIX)
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
