"""The daily bulletin (疫情通报): drafted by a commander from the day's figures, edited,
previewed and published. Nothing is published by itself; a published bulletin is never edited
in place: a correction is a new version that names what it corrects and why.

The figures a bulletin carries are frozen into it (`figures`): the chosen columns of the
area's total and, when the commander chose the children's level, of each child; never a
figure below that level."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangkong.accounts.audit import AuditAction, do_audit
from fangkong.areas.models import Area
from fangkong.areas.queries import access_area
from fangkong.db import utcnow
from fangkong.errors import Conflict, Invalid, NotFound
from fangkong.i18n import N_, Translator
from fangkong.reports.bulletin_schemas import BulletinCreate, BulletinUpdate
from fangkong.reports.daily import Report, build_report, list_report_children
from fangkong.reports.models import Bulletin
from fangkong.scope import Actor, scoped
from fangkong.settings import Settings

DRAFT = "draft"
PUBLISHED = "published"
STATUS_LABELS = {DRAFT: N_("Draft"), PUBLISHED: N_("Published")}


class BulletinPublished(Conflict):
    code = "bulletins.published"

    @classmethod
    def default_message(cls) -> str:
        return N_("A published bulletin is never changed: publish a correction instead.")


class NotPublished(Conflict):
    code = "bulletins.not_published"

    @classmethod
    def default_message(cls) -> str:
        return N_("Only a published bulletin can be corrected.")


# --- figures ---------------------------------------------------------------------------------


def detail_levels(session: Session, area: Area) -> list[str]:
    """The levels a bulletin of the area may go down to: the area's own, its children's."""
    children = list_report_children(session, area)
    return [area.level] + ([children[0].level] if children else [])


def _row(code: str, name: str, values: dict[str, Any], columns: list[str]) -> dict[str, Any]:
    return {"code": code, "name": name, "values": {key: values.get(key) for key in columns}}


def figures_of(report: Report, *, columns: list[str], detail_level: str) -> dict[str, Any]:
    """What a bulletin freezes: the chosen columns (labels as message ids) of the total and,
    at the children's level, of each child; nothing below the chosen level."""
    known = {item.key: item for item in report.columns}
    chosen = [key for key in columns if key in known]
    rows = [] if detail_level == report.area.level else [
        _row(row.code, row.name, row.values, chosen) for row in report.rows if not row.own]
    return {
        "day": report.day.isoformat(), "area_level": report.area.level,
        "columns": [{"key": key, "label": known[key].column.label,
                     "kind": known[key].column.kind} for key in chosen],
        "total": _row(report.area.code, report.area.name, report.total.values, chosen),
        "rows": rows,
    }


def format_value(value: Any, kind: str) -> str:
    if value is None:
        return "–"
    return f"{value:.1f}%" if kind == "percent" else str(value)


def default_body(figures: dict[str, Any], tr: Translator) -> str:
    """The wording a draft starts from, with the figures filled in; the commander edits it."""
    columns = figures["columns"]

    def line(row: dict[str, Any]) -> str:
        labels = [str(column["label"]) for column in columns]
        parts = [tr.gettext(label) + " "
                 + format_value(row["values"].get(column["key"]), column["kind"])
                 for label, column in zip(labels, columns, strict=True)]
        return f"{row['name']}：" + "，".join(parts) + "。"

    intro = tr.gettext(N_("As of the end of %(day)s:"), "reports", day=figures["day"])
    return "\n".join([intro, line(figures["total"]), *(line(row) for row in figures["rows"])])


def default_title(area: Area, day: date, tr: Translator) -> str:
    return tr.gettext(N_("%(area)s epidemic prevention bulletin, %(day)s"), "reports",
                      area=area.name, day=tr.date(day))


def build_figures(session: Session, settings: Settings, *, area: Area, day: date,
                  columns: list[str], detail_level: str) -> dict[str, Any]:
    if detail_level not in detail_levels(session, area):
        raise Invalid(fields={"detail_level": N_("Choose one of the offered values.")})
    report = build_report(session, settings, area=area, day=day, with_leaders=False)
    if not set(columns) & {item.key for item in report.columns}:
        raise Invalid(fields={"columns": N_("Choose at least one figure to publish.")})
    return figures_of(report, columns=columns, detail_level=detail_level)


# --- reads -----------------------------------------------------------------------------------


def access_bulletin(session: Session, actor: Actor, bulletin_id: int) -> Bulletin:
    bulletin = session.get(Bulletin, bulletin_id)
    if bulletin is None or not actor.sees(bulletin.area_code):
        raise NotFound()
    return bulletin


def list_bulletins(session: Session, actor: Actor, *, limit: int = 100) -> list[Bulletin]:
    stmt = scoped(select(Bulletin), actor.scope, Bulletin.area_code)
    return list(session.scalars(stmt.order_by(Bulletin.day.desc(), Bulletin.area_code,
                                              Bulletin.version.desc()).limit(limit)))


def get_correction(session: Session, bulletin: Bulletin) -> Bulletin | None:
    """The published version that corrects this one, if any."""
    stmt = select(Bulletin).where(Bulletin.supersedes_id == bulletin.id,
                                  Bulletin.status == PUBLISHED)
    return session.scalars(stmt.order_by(Bulletin.version.desc()).limit(1)).first()


def get_published(session: Session, bulletin_id: int) -> Bulletin:
    """A published bulletin for the public pages; a draft answers like a missing one."""
    bulletin = session.get(Bulletin, bulletin_id)
    if bulletin is None or bulletin.status != PUBLISHED:
        raise NotFound()
    return bulletin


def list_published(session: Session, *, limit: int = 100) -> list[Bulletin]:
    stmt = select(Bulletin).where(Bulletin.status == PUBLISHED)
    return list(session.scalars(stmt.order_by(Bulletin.published_at.desc(),
                                              Bulletin.id.desc()).limit(limit)))


def latest_published(session: Session) -> list[Bulletin]:
    """The newest published bulletin of each area, wider areas first."""
    newest = (select(Bulletin.area_code, func.max(Bulletin.id).label("id"))
              .where(Bulletin.status == PUBLISHED).group_by(Bulletin.area_code).subquery())
    stmt = select(Bulletin).join(newest, newest.c.id == Bulletin.id)
    return sorted(session.scalars(stmt), key=lambda item: (len(item.area_code),
                                                           item.area_code))


# --- changes ---------------------------------------------------------------------------------


def _corrected(session: Session, actor: Actor, data: BulletinCreate) -> Bulletin | None:
    if data.supersedes_id is None:
        return None
    earlier = access_bulletin(session, actor, data.supersedes_id)
    if earlier.status != PUBLISHED:
        raise NotPublished()
    if not data.correction_note.strip():
        raise Invalid(fields={"correction_note": N_("Say what the correction changes.")})
    return earlier


def do_create_bulletin(session: Session, *, actor: Actor, settings: Settings,
                       data: BulletinCreate) -> Bulletin:
    """A draft of the area's bulletin of the day (a correction when it supersedes one)."""
    earlier = _corrected(session, actor, data)
    area = access_area(session, actor, earlier.area_code if earlier else data.area_code)
    day = earlier.day if earlier else data.day
    figures = build_figures(session, settings, area=area, day=day, columns=data.columns,
                            detail_level=data.detail_level)
    bulletin = Bulletin(
        area_code=area.code, day=day, version=earlier.version + 1 if earlier else 1,
        status=DRAFT, title=data.title, body=data.body, figures=figures,
        detail_level=data.detail_level, supersedes_id=earlier.id if earlier else None,
        correction_note=data.correction_note.strip() if earlier else "",
        created_by_id=actor.user_id)
    session.add(bulletin)
    session.flush()
    do_audit(session, actor=actor, action=AuditAction.CREATE, resource="bulletin",
             record_id=bulletin.id, area_code=area.code, detail={"day": day.isoformat()})
    return bulletin


def do_update_bulletin(session: Session, *, actor: Actor, settings: Settings,
                       bulletin: Bulletin, data: BulletinUpdate) -> Bulletin:
    """Change a draft's wording, figures or level (the figures are taken again)."""
    if bulletin.status != DRAFT:
        raise BulletinPublished()
    area = access_area(session, actor, bulletin.area_code)
    bulletin.figures = build_figures(session, settings, area=area, day=bulletin.day,
                                     columns=data.columns, detail_level=data.detail_level)
    bulletin.title, bulletin.body = data.title, data.body
    bulletin.detail_level = data.detail_level
    if bulletin.supersedes_id is not None:
        if not data.correction_note.strip():
            raise Invalid(fields={"correction_note": N_("Say what the correction changes.")})
        bulletin.correction_note = data.correction_note.strip()
    do_audit(session, actor=actor, action=AuditAction.UPDATE, resource="bulletin",
             record_id=bulletin.id, area_code=bulletin.area_code)
    return bulletin


def do_publish_bulletin(session: Session, *, actor: Actor, bulletin: Bulletin) -> Bulletin:
    if bulletin.status != DRAFT:
        raise BulletinPublished()
    bulletin.status = PUBLISHED
    bulletin.published_at = utcnow()
    bulletin.published_by_id = actor.user_id
    do_audit(session, actor=actor, action=AuditAction.UPDATE, resource="bulletin",
             record_id=bulletin.id, area_code=bulletin.area_code,
             detail={"status": PUBLISHED, "version": bulletin.version})
    return bulletin


def do_delete_draft(session: Session, *, actor: Actor, bulletin: Bulletin) -> None:
    if bulletin.status != DRAFT:
        raise BulletinPublished()
    session.delete(bulletin)
    do_audit(session, actor=actor, action=AuditAction.DELETE, resource="bulletin",
             record_id=bulletin.id, area_code=bulletin.area_code)
