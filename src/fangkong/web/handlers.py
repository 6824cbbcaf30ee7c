"""Errors become `{code, message, fields}` on the API and a translated message on pages."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from psycopg.errors import NumericValueOutOfRange
from sqlalchemy.exc import StatementError
from starlette.exceptions import HTTPException

from fangkong.errors import DomainError, Invalid, NotFound, Unauthenticated
from fangkong.web.forms import field_errors
from fangkong.web.templating import render


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_domain(error: DomainError) -> str:
    """The catalog of the module that raised the error (`fangkong.registry.x` → registry)."""
    parts = type(error).__module__.split(".")
    return parts[1] if len(parts) > 2 else "core"


def error_response(request: Request, error: DomainError) -> Response:
    tr = request.state.tr
    domain = error_domain(error)
    message = tr.gettext(error.message, domain, **error.params)
    if is_api(request):
        fields = {name: tr.gettext(text, domain) for name, text in error.fields.items()}
        headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
        return JSONResponse(
            {"code": error.code, "message": message, "fields": fields},
            status_code=error.status,
            headers=headers,
        )
    if error.code == "accounts.password_change_required":
        return RedirectResponse("/account", status_code=303)
    if isinstance(error, Unauthenticated):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
    fields = {name: tr.gettext(text, domain) for name, text in error.fields.items()}
    context = {"error": error, "message": message, "fields": fields}
    return render(request, "error.html", context, status_code=error.status)


async def domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)  # noqa: S101 - registered for DomainError only
    return error_response(request, exc)


async def validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)  # noqa: S101 - registered for it only
    fields: dict[str, str] = {}
    for item in exc.errors():
        name = ".".join(str(p) for p in item["loc"] if p not in ("body", "query", "path"))
        fields.setdefault(name or "__all__", str(item.get("msg", "")))
    tr = request.state.tr
    return JSONResponse(
        {"code": Invalid.code, "message": tr.gettext(Invalid.default_message()),
         "fields": fields},
        status_code=422,
    )


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)  # noqa: S101 - registered for it only
    if exc.status_code == 404:
        return error_response(request, NotFound())
    if is_api(request):
        return JSONResponse(
            {"code": "http_error", "message": str(exc.detail), "fields": {}},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )
    error = DomainError(str(exc.detail))
    return render(request, "error.html", {"error": error, "message": str(exc.detail)},
                  status_code=exc.status_code)


async def out_of_range(request: Request, exc: Exception) -> Response:
    """An id too large for the database (SQLite's 64-bit, PostgreSQL's integer columns) names
    no record: answer as for any missing record. Any other statement error stays a 500."""
    cause = getattr(exc, "orig", exc)
    if isinstance(cause, OverflowError | NumericValueOutOfRange):
        return error_response(request, NotFound())
    raise exc


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(OverflowError, out_of_range)
    app.add_exception_handler(StatementError, out_of_range)


__all__ = ["field_errors", "install"]
