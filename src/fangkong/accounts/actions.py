"""Changes to accounts. Never commits; the edge (request, command) does."""

from __future__ import annotations

from sqlalchemy.orm import Session

from fangkong.accounts.audit import AuditAction, do_audit
from fangkong.accounts.models import User
from fangkong.accounts.queries import get_user_by_username
from fangkong.accounts.schemas import UserCreate
from fangkong.accounts.security import check_password_policy, hash_password
from fangkong.areas.models import Area
from fangkong.errors import Conflict, Invalid, NotFound
from fangkong.i18n import N_
from fangkong.scope import Actor


class UsernameTaken(Conflict):
    code = "accounts.username_taken"

    @classmethod
    def default_message(cls) -> str:
        return N_("This username is already taken.")


class UnknownArea(Invalid):
    code = "areas.unknown"

    @classmethod
    def default_message(cls) -> str:
        return N_("There is no area with this code.")


def check_user_area(session: Session, actor: Actor, area_code: str) -> Area:
    """The area a user is bound to must exist and lie inside the acting user's scope."""
    area = session.get(Area, area_code)
    if area is None or not actor.sees(area.code):
        raise UnknownArea(fields={"area_code": UnknownArea.default_message()})
    return area


def do_create_user(session: Session, *, actor: Actor, data: UserCreate) -> User:
    if get_user_by_username(session, data.username) is not None:
        raise UsernameTaken(fields={"username": UsernameTaken.default_message()})
    check_user_area(session, actor, data.area_code)
    check_password_policy(data.password, username=data.username)
    user = User(
        username=data.username,
        display_name=data.display_name,
        role=data.role.value,
        area_code=data.area_code,
        phone=data.phone,
        password_hash=hash_password(data.password),
    )
    session.add(user)
    session.flush()
    do_audit(
        session, actor=actor, action=AuditAction.CREATE, resource="user", record_id=user.id,
        area_code=user.area_code,
        detail=data.model_dump(exclude={"password"}, mode="json"),
    )
    return user


def access_user(session: Session, actor: Actor, user_id: int) -> User:
    """A user inside the actor's scope; NotFound for a missing one and for one outside it."""
    user = session.get(User, user_id)
    if user is None or not actor.sees(user.area_code):
        raise NotFound()
    return user
