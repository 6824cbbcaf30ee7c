"""Merging duplicate records of one person: the duplicate is retired, nothing is lost.

The merged record keeps its row (status `merged`, `merged_into_id` set) and a `PersonMerge`
row holds a snapshot of all it had; the kept record takes what only the duplicate knew and the
union of the tags; counters and member counts follow.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.accounts.audit import AuditAction, do_audit
from fangkong.errors import Conflict
from fangkong.i18n import N_
from fangkong.permissions import Permission
from fangkong.registry.codes import PersonStatus
from fangkong.registry.counting import count_person, set_members, write_tags
from fangkong.registry.models import Person, PersonMerge
from fangkong.registry.queries import tags_of
from fangkong.scope import Actor

SNAPSHOT_FIELDS = (
    "id", "area_code", "household_id", "status", "merged_into_id", "created_at", "name",
    "relation", "sex", "id_type", "id_number", "birth_date", "phone", "residence", "occupation",
    "notes",
)


class MergeRefused(Conflict):
    code = "registry.merge_refused"


def snapshot(session: Session, person: Person) -> dict[str, Any]:
    """Everything of a record, as JSON, before a merge retires it."""
    data: dict[str, Any] = {name: getattr(person, name) for name in SNAPSHOT_FIELDS}
    data["tags"] = sorted(tags_of(session, person.id))
    return {key: value.isoformat() if isinstance(value, date) else value
            for key, value in data.items()}


def check_merge(actor: Actor, kept: Person, merged: Person) -> None:
    if kept.id == merged.id:
        raise MergeRefused(N_("A record cannot be merged into itself."))
    if PersonStatus.MERGED in (kept.status, merged.status):
        raise MergeRefused(N_("One of the records was merged already."))
    if kept.status != PersonStatus.ACTIVE:
        raise MergeRefused(N_("The record kept must be active."))
    if not (actor.sees(kept.area_code) and actor.sees(merged.area_code)):
        raise MergeRefused(N_("Both records must lie inside your area."))
    if kept.id_number and merged.id_number:
        raise MergeRefused(N_("Both records have an ID number: they are two people."))


def _fill_from(session: Session, kept: Person, merged: Person) -> None:
    """The kept record takes what only the merged one knows; its own values win."""
    if merged.id_number and not kept.id_number:
        number, merged.id_number = merged.id_number, None
        session.flush()
        kept.id_type, kept.id_number = merged.id_type, number
    for name in ("sex", "birth_date", "phone", "occupation"):
        if not getattr(kept, name) and getattr(merged, name):
            setattr(kept, name, getattr(merged, name))
    if merged.notes and merged.notes not in kept.notes:
        kept.notes = f"{kept.notes}\n{merged.notes}".strip()


def _count_out(session: Session, merged: Person, tags: set[str]) -> None:
    if merged.status != PersonStatus.ACTIVE:
        return
    count_person(session, area_code=merged.area_code, tags=tags, sign=-1)
    if merged.household_id is not None:
        set_members(session, household_id=merged.household_id, delta=-1)


def do_merge_persons(
    session: Session, *, actor: Actor, kept: Person, merged: Person
) -> PersonMerge:
    """Retire `merged` into `kept`: a snapshot of everything, tags united, counters adjusted."""
    actor.require(Permission.PERSON_MERGE)
    check_merge(actor, kept, merged)
    record = PersonMerge(kept_id=kept.id, merged_id=merged.id, area_code=kept.area_code,
                         actor_id=actor.user_id, snapshot=snapshot(session, merged))
    session.add(record)
    merged_tags = tags_of(session, merged.id)
    _count_out(session, merged, merged_tags)
    _fill_from(session, kept, merged)
    merged.status, merged.merged_into_id = PersonStatus.MERGED, kept.id
    for earlier in session.scalars(select(Person).where(Person.merged_into_id == merged.id)):
        earlier.merged_into_id = kept.id
    session.flush()
    write_tags(session, kept, tags_of(session, kept.id) | merged_tags)
    for person, detail in ((kept, {"merged": merged.id}), (merged, {"merged_into": kept.id})):
        do_audit(session, actor=actor, action=AuditAction.UPDATE, resource="person",
                 record_id=person.id, area_code=person.area_code,
                 detail={**detail, "merge": record.id})
    return record
