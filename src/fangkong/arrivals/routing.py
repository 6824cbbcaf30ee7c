"""Where an arrival goes: the community chosen, else the household found in the registry by
ID number, else the district's queue (no address in the city)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.areas.models import Area
from fangkong.arrivals.models import Checkpoint
from fangkong.arrivals.queries import COMMUNITY, DISTRICT, level_length
from fangkong.arrivals.schemas import ArrivalCreate, PersonIn
from fangkong.errors import Invalid
from fangkong.i18n import N_
from fangkong.registry.models import Person

NOWHERE = N_("Choose the destination community, or the district when there is no address.")


class DestinationInvalid(Invalid):
    code = "arrivals.destination_invalid"


@dataclass(frozen=True, slots=True)
class Destination:
    """The area whose queue an arrival lands in, and the registry records it matched."""

    area_code: str
    household_id: int | None = None
    person_id: int | None = None

    def better_than(self, current: str) -> bool:
        """More precise than where an arrival is now (a community or grid, not a district)."""
        return len(self.area_code) > len(current)


def registry_match(session: Session, person: PersonIn) -> Person | None:
    """The active registry person with this document, if the registry knows them."""
    stmt = select(Person).where(Person.id_type == person.id_type.value,
                                Person.id_number == person.id_number,
                                Person.status == "active").limit(1)
    return session.scalar(stmt)


def chosen_area(session: Session, code: str, *, field: str, at_least: int) -> Area:
    """An area of the city at least as deep as a community (or a district for `district`)."""
    area = session.get(Area, code)
    if area is None or len(area.code) < at_least:
        message = N_("There is no such community in the city.") if field != "district_code" \
            else N_("There is no such district in the city.")
        raise DestinationInvalid(message, fields={field: message})
    return area


def _district(session: Session, data: ArrivalCreate, checkpoint: Checkpoint | None) -> str:
    digits = level_length(session, DISTRICT, 6)
    if data.district_code:
        area = chosen_area(session, data.district_code, field="district_code", at_least=digits)
        return area.code[:digits]
    if checkpoint is not None and len(checkpoint.area_code) >= digits:
        return checkpoint.area_code[:digits]
    raise DestinationInvalid(NOWHERE, fields={"destination_code": NOWHERE})


def find_destination(
    session: Session, *, data: ArrivalCreate, checkpoint: Checkpoint | None
) -> list[Destination]:
    """One destination per person of the group, in order."""
    matches = [registry_match(session, person) for person in data.people]
    if data.destination_code:
        area = chosen_area(session, data.destination_code, field="destination_code",
                           at_least=level_length(session, COMMUNITY, 12))
        return [Destination(area.code, match.household_id if match else None,
                            match.id if match else None) for match in matches]
    found = next((match for match in matches if match is not None), None)
    fallback = found.area_code if found is not None else _district(session, data, checkpoint)
    return [
        Destination(match.area_code, match.household_id, match.id) if match is not None
        else Destination(fallback, found.household_id if found else None)
        for match in matches
    ]
