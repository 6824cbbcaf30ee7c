"""Jinja2 templates with the request's translator, caller, CSRF token and navigation."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from fangkong.i18n import LOCALE_NAMES
from fangkong.web.nav import nav_for

templates = Jinja2Templates(directory=str(files("fangkong") / "templates"))
templates.env.autoescape = True
templates.env.trim_blocks = True
templates.env.lstrip_blocks = True


def template_domain(name: str) -> str:
    """The catalog of a template: its module's (`registry/x.html` → registry), else core."""
    head, _, rest = name.partition("/")
    return head if rest and head not in ("macros", "public") else "core"


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> HTMLResponse:
    """Render a page; every template gets `_`, `tr`, `principal`, `csrf_token` and `nav`."""
    tr = request.state.tr
    principal = getattr(request.state, "principal", None)
    base: dict[str, Any] = {
        "_": tr.domain_gettext(template_domain(name)),
        "_core": tr.domain_gettext("core"),
        "ngettext": tr.ngettext,
        "tr": tr,
        "principal": principal,
        "csrf_token": request.state.csrf_token,
        "nav": nav_for(principal.actor if principal else None),
        "locales": LOCALE_NAMES,
    }
    base.update(context or {})
    return templates.TemplateResponse(request, name, base, status_code=status_code)
