"""Public notices, rumour rebuttals (辟谣) and the hotline and mailbox: drafted, published,
withdrawn by a commander; the public pages show only what is published."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.accounts.audit import AuditAction, do_audit
from fangkong.areas.queries import access_area
from fangkong.db import utcnow
from fangkong.errors import Conflict, NotFound
from fangkong.i18n import N_
from fangkong.reports.bulletin_schemas import NoticeCreate
from fangkong.reports.models import Notice
from fangkong.scope import Actor, scoped

DRAFT, PUBLISHED, WITHDRAWN = "draft", "published", "withdrawn"
KIND_LABELS = {"notice": N_("Notice"), "rumour": N_("Rumour rebuttal"),
               "hotline": N_("Hotline and mailbox")}
NOTICE_STATUS_LABELS = {DRAFT: N_("Draft"), PUBLISHED: N_("Published"),
                        WITHDRAWN: N_("Withdrawn")}


class WrongNoticeState(Conflict):
    code = "notices.state"

    @classmethod
    def default_message(cls) -> str:
        return N_("This cannot be done to the notice in its present state.")


def access_notice(session: Session, actor: Actor, notice_id: int) -> Notice:
    notice = session.get(Notice, notice_id)
    if notice is None or not actor.sees(notice.area_code):
        raise NotFound()
    return notice


def list_notices(session: Session, actor: Actor, *, limit: int = 200) -> list[Notice]:
    stmt = scoped(select(Notice), actor.scope, Notice.area_code)
    return list(session.scalars(stmt.order_by(Notice.created_at.desc(), Notice.id.desc())
                                .limit(limit)))


def list_public_notices(session: Session, *, kind: str | None = None,
                        limit: int = 50) -> list[Notice]:
    stmt = select(Notice).where(Notice.status == PUBLISHED)
    if kind is not None:
        stmt = stmt.where(Notice.kind == kind)
    return list(session.scalars(stmt.order_by(Notice.published_at.desc(), Notice.id.desc())
                                .limit(limit)))


def get_public_notice(session: Session, notice_id: int) -> Notice:
    notice = session.get(Notice, notice_id)
    if notice is None or notice.status != PUBLISHED:
        raise NotFound()
    return notice


def _audit(session: Session, actor: Actor, notice: Notice, action: AuditAction,
           status: str) -> None:
    do_audit(session, actor=actor, action=action, resource="notice", record_id=notice.id,
             area_code=notice.area_code, detail={"status": status})


def do_create_notice(session: Session, *, actor: Actor, area_code: str,
                     data: NoticeCreate) -> Notice:
    area = access_area(session, actor, area_code)
    notice = Notice(area_code=area.code, kind=data.kind, title=data.title, body=data.body,
                    status=DRAFT, created_by_id=actor.user_id)
    session.add(notice)
    session.flush()
    _audit(session, actor, notice, AuditAction.CREATE, DRAFT)
    return notice


def do_update_notice(session: Session, *, actor: Actor, notice: Notice,
                     data: NoticeCreate) -> Notice:
    """Change a draft; a published notice is withdrawn and replaced, never edited."""
    if notice.status != DRAFT:
        raise WrongNoticeState()
    notice.kind, notice.title, notice.body = data.kind, data.title, data.body
    _audit(session, actor, notice, AuditAction.UPDATE, DRAFT)
    return notice


def do_publish_notice(session: Session, *, actor: Actor, notice: Notice) -> Notice:
    if notice.status != DRAFT:
        raise WrongNoticeState()
    notice.status, notice.published_at = PUBLISHED, utcnow()
    notice.published_by_id = actor.user_id
    _audit(session, actor, notice, AuditAction.UPDATE, PUBLISHED)
    return notice


def do_withdraw_notice(session: Session, *, actor: Actor, notice: Notice) -> Notice:
    if notice.status != PUBLISHED:
        raise WrongNoticeState()
    notice.status, notice.withdrawn_at = WITHDRAWN, utcnow()
    _audit(session, actor, notice, AuditAction.UPDATE, WITHDRAWN)
    return notice
