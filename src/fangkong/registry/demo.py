"""The demo city's population: generated households and persons (`generate`), loaded through
the same bulk upsert as an import (`bulk`), in chunks, with the counters kept."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.accounts.audit import AuditAction, do_audit
from fangkong.areas.models import Area
from fangkong.registry.bulk import upsert_households, upsert_persons
from fangkong.registry.generate import GeneratedHousehold, generate_households
from fangkong.registry.importer_rows import HouseholdIn, PersonIn
from fangkong.registry.importer_source import lowest_level
from fangkong.registry.models import Person
from fangkong.scope import SYSTEM

DEMO_CITY = "2201"
CHUNK = 10_000


def demo_grids(session: Session, city_code: str = DEMO_CITY) -> list[str]:
    level = lowest_level(session)
    return list(session.scalars(select(Area.code).where(
        Area.level == level, Area.code.startswith(city_code, autoescape=True)).order_by(
            Area.code)))


def _household_in(number: int, household: GeneratedHousehold) -> HouseholdIn:
    row = household.as_row()
    return HouseholdIn(number, household.code, household.area_code, household.address,
                       str(row["head_name"]) or None, str(row["phone"]) or None,
                       household.kind, None)


def _person_in(number: int, member: dict[str, object], household: GeneratedHousehold) -> PersonIn:
    def text(name: str) -> str | None:
        value = member.get(name)
        return str(value) if value else None

    tags = member.get("tags") or ()
    assert isinstance(tags, tuple)  # noqa: S101 - the generator's own shape
    return PersonIn(
        number, str(member["name"]), str(member["id_type"]), text("id_number"), text("sex"),
        member.get("birth_date"), text("phone"), text("residence"),  # type: ignore[arg-type]
        text("occupation"), text("notes"), text("relation"), tuple(map(str, tags)),
        household.area_code, household.code, household.address)


def _chunks(households: Iterator[GeneratedHousehold]) -> Iterator[list[GeneratedHousehold]]:
    chunk: list[GeneratedHousehold] = []
    size = 0
    for household in households:
        chunk.append(household)
        size += len(household.members)
        if size >= CHUNK:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def do_load_demo_population(
    session: Session, *, persons: int, seed: int, city_code: str = DEMO_CITY
) -> int:
    """Fill the demo city's grids with `persons` generated persons in their households; do
    nothing when the grids have persons already. Returns the persons added."""
    grids = demo_grids(session, city_code)
    if not grids or persons <= 0 or session.scalar(
            select(Person.id).where(Person.area_code.startswith(city_code, autoescape=True))
            .limit(1)) is not None:
        return 0
    added = 0
    number = 0
    for chunk in _chunks(generate_households(grids, persons, seed)):
        homes = [_household_in(number + index, item) for index, item in enumerate(chunk)]
        upsert_households(session, scope="", households=homes)
        people = []
        for household in chunk:
            for member in household.members:
                number += 1
                people.append(_person_in(number, member, household))
        added += upsert_persons(session, scope="", persons=people).tally()["added"]
    do_audit(session, actor=SYSTEM, action=AuditAction.IMPORT, resource="registry",
             record_id="demo", area_code=city_code,
             detail={"kind": "demo", "persons": added, "seed": seed})
    return added
