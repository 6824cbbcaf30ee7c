"""The city's policy settings: a page and an API for administrators (`policy:write`)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel

from fangkong.errors import DomainError, NotFound
from fangkong.permissions import Permission
from fangkong.policy import POLICY, PolicyInvalid, do_set_policy, list_policy
from fangkong.web.deps import DbSession, Principal, require
from fangkong.web.forms import form_data
from fangkong.web.templating import render

pages = APIRouter()
api = APIRouter(tags=["policy"])
Admin = Annotated[Principal, Depends(require(Permission.POLICY_WRITE))]


class PolicyRead(BaseModel):
    key: str
    value: Any
    default: Any


def _rows(values: dict[str, Any]) -> list[PolicyRead]:
    return [PolicyRead(key=key, value=values[key], default=item.default)
            for key, item in POLICY.items()]


@api.get("/policy", response_model=list[PolicyRead])
def get_policies(session: DbSession, _admin: Admin) -> list[PolicyRead]:
    """Every policy setting of the city with its default."""
    return _rows(list_policy(session))


@api.put("/policy/{key}", response_model=PolicyRead,
         responses={404: {"description": "unknown key"}, 422: {"description": "bad value"}})
def put_policy(
    key: str, session: DbSession, admin: Admin, value: Annotated[Any, Body(embed=True)],
) -> PolicyRead:
    """Set one policy value (validated per key, audited)."""
    if key not in POLICY:
        raise NotFound()
    do_set_policy(session, actor=admin.actor, key=key, value=value)
    return PolicyRead(key=key, value=value, default=POLICY[key].default)


@pages.get("/admin/policy", response_class=HTMLResponse)
def policy_page(request: Request, session: DbSession, _admin: Admin) -> Response:
    return render(request, "policy.html",
                  {"rows": _rows(list_policy(session)), "errors": {}, "policy": POLICY})


@pages.post("/admin/policy", response_class=HTMLResponse)
async def policy_save(request: Request, session: DbSession, admin: Admin) -> Response:
    """Save the edited values (JSON text per key); every bad one is named, good ones kept."""
    data = await form_data(request)
    errors: dict[str, str] = {}
    for key in POLICY:
        text = data.get(key)
        if not isinstance(text, str):
            continue
        try:
            value = json.loads(text)
        except ValueError:
            errors[key] = PolicyInvalid.default_message()
            continue
        if value == list_policy(session)[key]:
            continue
        try:
            do_set_policy(session, actor=admin.actor, key=key, value=value)
        except DomainError as error:
            errors[key] = error.fields.get(key, error.message)
    if errors:
        return render(request, "policy.html",
                      {"rows": _rows(list_policy(session)), "errors": errors,
                       "typed": data, "policy": POLICY}, status_code=422)
    return RedirectResponse("/admin/policy?saved=1", status_code=303)
