"""Pydantic schemas of accounts, shared by the JSON API and the HTML forms."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

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


class PasswordSet(BaseModel):
    password: str = Field(min_length=1, max_length=200)


class PasswordChange(BaseModel):
    current_password: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=1, max_length=200)


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
