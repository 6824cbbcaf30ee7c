"""Pydantic schemas of accounts, shared by the JSON API and the HTML forms."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from fangkong.accounts.audit import AuditAction
from fangkong.areas.schemas import CODE_PATTERN
from fangkong.i18n import N_
from fangkong.permissions import Role

USERNAME_PATTERN = r"^[a-z0-9][a-z0-9_.-]{2,63}$"

ROLE_LABELS = {
    Role.ADMIN: N_("Platform administrator"),
    Role.COMMANDER: N_("Commander"),
    Role.GRID_WORKER: N_("Grid worker"),
    Role.CHECKPOINT: N_("Checkpoint officer"),
    Role.MEDICAL: N_("Medical staff"),
    Role.SUPPLIES: N_("Supplies officer"),
    Role.MARKET: N_("Market regulator"),
    Role.ENTERPRISE: N_("Enterprise officer"),
}

ACTION_LABELS = {
    AuditAction.CREATE: N_("Record created"),
    AuditAction.UPDATE: N_("Record changed"),
    AuditAction.DELETE: N_("Record deleted"),
    AuditAction.VIEW: N_("Record viewed"),
    AuditAction.EXPORT: N_("Data exported"),
    AuditAction.IMPORT: N_("Data imported"),
    AuditAction.LOGIN: N_("Signed in"),
    AuditAction.LOGIN_FAILED: N_("Sign-in failed"),
    AuditAction.LOGOUT: N_("Signed out"),
}


class UserCreate(BaseModel):
    username: str = Field(pattern=USERNAME_PATTERN)
    display_name: str = Field(min_length=1, max_length=100)
    role: Role
    area_code: str = Field(pattern=CODE_PATTERN)
    phone: str = Field(default="", max_length=30)
    password: str = Field(min_length=1, max_length=200)


class UserUpdate(BaseModel):
    display_name: str | None = Field(default=None, min_length=1, max_length=100)
    role: Role | None = None
    area_code: str | None = Field(default=None, pattern=CODE_PATTERN)
    phone: str | None = Field(default=None, max_length=30)


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    role: Role
    area_code: str
    phone: str
    is_active: bool
    locale: str | None
    created_at: datetime
    last_login_at: datetime | None


class UserFilter(BaseModel):
    """Search of the user list: by username or name, role, and area code prefix."""

    q: str | None = Field(default=None, max_length=100)
    role: Role | None = None
    area: str | None = Field(default=None, pattern=r"^[0-9]{1,32}$")


class MeRead(UserRead):
    """The signed-in caller, with what their role may do."""

    must_change_password: bool
    permissions: list[str]


class TemporaryPassword(BaseModel):
    """Returned once by an administrator's reset: the user must change it at next sign-in."""

    user_id: int
    username: str
    temporary_password: str


class PasswordChange(BaseModel):
    current_password: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=1, max_length=200)


class LocaleSet(BaseModel):
    locale: Literal["zh_Hans", "en"]


class LoginForm(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class TokenCreate(BaseModel):
    user_id: int
    name: str = Field(min_length=1, max_length=100)
    expires_days: int | None = Field(default=None, ge=1, le=3650)


class TokenRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenRead):
    """Returned once, on creation: the only time the secret is shown."""

    token: str


class AuditRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor_id: int | None
    actor_name: str
    action: str
    resource: str
    record_id: str
    area_code: str
    client_addr: str
    detail: dict[str, Any]


class AuditFilter(BaseModel):
    """Search of the audit log; dates are local days (Asia/Shanghai), both ends included."""

    action: AuditAction | None = None
    resource: str | None = Field(default=None, max_length=64)
    actor: str | None = Field(default=None, max_length=64)
    date_from: date | None = None
    date_to: date | None = None


class ErrorRead(BaseModel):
    """The body of every error answer of the API."""

    code: str
    message: str
    fields: dict[str, str]
