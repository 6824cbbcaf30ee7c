"""Pages of accounts: sign in and out, one's own account; the admin pages are included below."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from fangkong.accounts import admin_pages, audit_pages
from fangkong.accounts.actions import do_set_locale
from fangkong.accounts.guard import PasswordChangeRequired
from fangkong.accounts.page_helpers import (
    FormData,
    current_session,
    error_context,
    message_of,
    page_router,
    session_token,
    translate,
)
from fangkong.accounts.schemas import ROLE_LABELS, LocaleSet, LoginForm, PasswordChange
from fangkong.accounts.signin import SignedIn, check_change_password, do_login, do_logout
from fangkong.areas.models import Area
from fangkong.errors import DomainError, Invalid
from fangkong.i18n import N_
from fangkong.permissions import Role
from fangkong.settings import Settings
from fangkong.web.csrf import CSRF_COOKIE
from fangkong.web.deps import (
    SESSION_COOKIE,
    CurrentUser,
    DbSession,
    MaybeUser,
    Principal,
    SettingsDep,
    client_addr,
)
from fangkong.web.forms import validate
from fangkong.web.pages import LOCALE_COOKIE, safe_next
from fangkong.web.templating import render

router = page_router()
Next = Annotated[str | None, Query(alias="next", max_length=2000)]

EXPIRED = N_("Your session has expired. Please sign in again.")
DONE = {
    "password": N_("Your password has been changed."),
    "locale": N_("Your language preference has been saved."),
}


def _login_page(
    request: Request, *, username: str = "", next_: str | None = None,
    error: DomainError | None = None, notice: str | None = None,
) -> HTMLResponse:
    context: dict[str, Any] = {"username": username, "next": next_ or ""}
    if error is not None:
        context |= {"flash": message_of(request, error), "flash_kind": "error"}
    elif notice is not None:
        context |= {"flash": translate(request, notice), "flash_kind": "warn"}
    status = error.status if error is not None else 200
    return render(request, "accounts/login.html", context, status_code=status)


@router.get("/login")
def login_page(request: Request, principal: MaybeUser, next_: Next = None) -> Response:
    """The sign-in form; a stale session cookie is dropped with a word that it expired."""
    if principal is not None and principal.via == "session":
        return RedirectResponse(safe_next(next_), status_code=303)
    stale = request.cookies.get(SESSION_COOKIE) is not None
    response = _login_page(request, next_=next_, notice=EXPIRED if stale else None)
    if stale:
        response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax")
    return response


class LoginIncomplete(Invalid):
    code = "accounts.login_incomplete"
    status = 400

    @classmethod
    def default_message(cls) -> str:
        return N_("Please enter your username and password.")


@router.post("/login")
def login_submit(
    request: Request, session: DbSession, settings: SettingsDep, data: FormData
) -> Response:
    """Sign in; a failure is recorded (and committed) and the form shown again."""
    next_ = str(data.get("next") or "") or None
    username = str(data.get("username") or "")
    try:
        form = validate(LoginForm, data)
    except Invalid:
        return _login_page(request, username=username, next_=next_, error=LoginIncomplete())
    try:
        signed = do_login(session, settings=settings, username=form.username,
                          password=form.password, client_addr=client_addr(request))
    except DomainError as error:
        return _login_page(request, username=username, next_=next_, error=error)
    target = "/account" if signed.user.must_change_password else safe_next(next_)
    response = RedirectResponse(target, status_code=303)
    set_session_cookies(request, response, settings, signed)
    return response


def set_session_cookies(
    request: Request, response: Response, settings: Settings, signed: SignedIn
) -> None:
    """The signed session cookie, a fresh CSRF token and the user's language."""
    secure = settings.https_only_cookies
    response.set_cookie(
        SESSION_COOKIE, request.app.state.cookie_signer.sign(signed.token),
        max_age=settings.session_hours * 3600 * 30, httponly=True, samesite="lax", secure=secure,
    )
    response.set_cookie(CSRF_COOKIE, signed.csrf_token, max_age=30 * 24 * 3600,
                        httponly=False, samesite="lax", secure=secure)
    if signed.user.locale:
        response.set_cookie(LOCALE_COOKIE, signed.user.locale, max_age=365 * 24 * 3600,
                            samesite="lax", secure=secure)


@router.post("/logout")
def logout(request: Request, session: DbSession, principal: MaybeUser) -> RedirectResponse:
    token = session_token(request)
    if token is not None and principal is not None:
        do_logout(session, actor=principal.actor, token=token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax")
    return response


def _account_page(
    request: Request, session: Session, principal: Principal, *, flash: str | None = None,
    error: DomainError | None = None,
) -> HTMLResponse:
    user = principal.user
    context: dict[str, Any] = {
        "user": user, "role_label": ROLE_LABELS[Role(user.role)],
        "area": session.get(Area, user.area_code), **error_context(request, error),
    }
    if error is None and flash is not None:
        context |= {"flash": translate(request, flash)}
    elif error is None and user.must_change_password:
        notice = PasswordChangeRequired.default_message()
        context |= {"flash": translate(request, notice), "flash_kind": "warn"}
    status = error.status if error is not None else 200
    return render(request, "accounts/account.html", context, status_code=status)


@router.get("/account")
def account_page(
    request: Request, session: DbSession, principal: CurrentUser,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    """The signed-in person's profile, password and language."""
    return _account_page(request, session, principal, flash=DONE.get(done or ""))


class PasswordsDiffer(Invalid):
    code = "accounts.passwords_differ"

    @classmethod
    def default_message(cls) -> str:
        return N_("The two new passwords are not the same.")


@router.post("/account/password")
def account_password(
    request: Request, session: DbSession, settings: SettingsDep, principal: CurrentUser,
    data: FormData,
) -> Response:
    """Change one's own password; a wrong current password counts as a failed sign-in."""
    try:
        if data.get("new_password") != data.get("confirm_password"):
            raise PasswordsDiffer(fields={"confirm_password": PasswordsDiffer.default_message()})
        form = validate(PasswordChange, data)
        check_change_password(session, settings=settings, actor=principal.actor,
                              user=principal.user, data=form,
                              keep=current_session(request, session))
    except DomainError as error:
        return _account_page(request, session, principal, error=error)
    return RedirectResponse("/account?done=password", status_code=303)


@router.post("/account/locale")
def account_locale(
    session: DbSession, settings: SettingsDep, principal: CurrentUser, data: FormData
) -> RedirectResponse:
    form = validate(LocaleSet, data)
    do_set_locale(session, actor=principal.actor, user=principal.user, locale=form.locale)
    response = RedirectResponse("/account?done=locale", status_code=303)
    response.set_cookie(LOCALE_COOKIE, form.locale, max_age=365 * 24 * 3600, samesite="lax",
                        secure=settings.https_only_cookies)
    return response


router.include_router(admin_pages.router)
router.include_router(audit_pages.router)
