"""Sites and rooms: who sees which site, rooms with capacity, beds taken atomically, families in
one room, a full site that names others, occupancy per site and per area."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from quarantine_helpers import GRID1, GRID2, NANGUAN, make_person, make_site, members_of, rooms_of
from quarantine_helpers import quarantine as start
from sqlalchemy.orm import Session

from fangkong.errors import Forbidden, NotFound
from fangkong.quarantine.actions import do_start_group, do_transfer_to_hospital
from fangkong.quarantine.codes import QuarantineKind
from fangkong.quarantine.models import Room, Site
from fangkong.quarantine.schemas import RoomsCreate, SiteCreate, SiteUpdate
from fangkong.quarantine.sites import (
    RoomFull,
    SiteFull,
    SiteInUse,
    SiteInvalid,
    access_site,
    do_add_rooms,
    do_create_site,
    do_delete_room,
    do_delete_site,
    do_set_room_capacity,
    do_update_site,
    occupancy_by_area,
    occupancy_by_site,
    parse_room_numbers,
    take_beds,
)
from fangkong.registry.models import Household
from fangkong.scope import SYSTEM, Actor

Actors = Callable[[str], Actor]


def test_room_numbers_take_ranges_and_lists() -> None:
    assert parse_room_numbers("101-103, 201，A3 101") == ["101", "102", "103", "201", "A3"]
    assert parse_room_numbers("008-010") == ["008", "009", "010"]
    with pytest.raises(SiteInvalid):
        parse_room_numbers("1-900")
    with pytest.raises(SiteInvalid):
        parse_room_numbers("房间!")


def test_a_commander_creates_a_site_in_their_area_only(db: Session, actors: Actors) -> None:
    nanguan = actors("nanguan")
    site = do_create_site(db, actor=nanguan, data=SiteCreate(name="南湖宾馆", area_code=NANGUAN))
    assert site.area_code == NANGUAN
    assert site.active
    with pytest.raises(SiteInvalid):
        do_create_site(db, actor=nanguan, data=SiteCreate(name="越界", area_code="220104"))
    with pytest.raises(Forbidden):
        do_create_site(db, actor=actors("grid1"), data=SiteCreate(name="x", area_code=GRID1))
    do_update_site(db, actor=nanguan, site=site, data=SiteUpdate(name="南湖宾馆一号楼",
                                                                 active=False))
    assert site.name == "南湖宾馆一号楼"
    assert not site.active


def test_sites_of_areas_above_are_visible_but_not_of_other_branches(
    db: Session, actors: Actors, site: Site
) -> None:
    assert access_site(db, actors("grid1"), site.id) is site  # the district's hotel
    with pytest.raises(NotFound):
        access_site(db, actors("grid2"), site.id)  # 朝阳区
    with pytest.raises(NotFound):  # seen, but not theirs to change
        do_update_site(db, actor=actors("nanling"), site=site, data=SiteUpdate(name="x"))


def test_rooms_are_added_once_and_capacity_never_below_occupants(
    db: Session, site: Site, household: Household
) -> None:
    with pytest.raises(SiteInvalid):
        do_add_rooms(db, actor=SYSTEM, site=site, data=RoomsCreate(numbers="103-104"))
    family = next(room for room in rooms_of(db, site) if room.number == "201")
    do_start_group(db, actor=SYSTEM, persons=members_of(db, household),
                   kind=QuarantineKind.CENTRALISED, start=household.created_at.date(),
                   room=family)
    db.refresh(family)
    assert family.occupants == 2
    with pytest.raises(SiteInvalid):
        do_set_room_capacity(db, actor=SYSTEM, room=family, capacity=1)
    assert do_set_room_capacity(db, actor=SYSTEM, room=family, capacity=4).capacity == 4
    with pytest.raises(SiteInUse):
        do_delete_room(db, actor=SYSTEM, room=family)
    with pytest.raises(SiteInUse):
        do_delete_site(db, actor=SYSTEM, site=site)


def test_an_unused_site_is_deleted_with_its_rooms(db: Session) -> None:
    site = make_site(db, name="备用宾馆")
    site_id = site.id
    do_delete_site(db, actor=SYSTEM, site=site)
    assert db.get(Site, site_id) is None
    assert not db.query(Room).filter(Room.site_id == site_id).count()


def test_a_bed_is_never_taken_twice(db: Session, site: Site) -> None:
    room = rooms_of(db, site)[0]
    assert take_beds(db, room, 1)
    assert not take_beds(db, room, 1)
    db.refresh(room)
    assert room.occupants == room.capacity == 1


def test_a_family_shares_one_room_and_gives_the_beds_back(
    db: Session, site: Site, household: Household
) -> None:
    persons = members_of(db, household)
    started = do_start_group(db, actor=SYSTEM, persons=persons, kind=QuarantineKind.CENTRALISED,
                             start=household.created_at.date(), site=site)
    assert len({row.room_id for row in started}) == 1
    room = db.get(Room, started[0].room_id)
    assert room is not None
    assert room.number == "201"
    assert room.capacity == 3
    db.refresh(room)
    assert room.occupants == 2
    do_transfer_to_hospital(db, actor=SYSTEM, quarantine=started[0], hospital="吉大一院",
                            reason="发热")
    db.refresh(room)
    assert room.occupants == 1


def test_a_full_site_says_so_and_names_sites_with_free_beds_same_district_first(
    db: Session, site: Site, actors: Actors
) -> None:
    far = make_site(db, area="220104", name="朝阳宾馆", rooms="1-5")
    near = make_site(db, area="220102001", name="南岭招待所", rooms="1-2")
    full = make_site(db, area=NANGUAN, name="小旅馆", rooms="1")
    start(db, make_person(db, name="乙"), kind=QuarantineKind.CENTRALISED, site=full)
    with pytest.raises(SiteFull) as raised:
        start(db, make_person(db, name="丙"), kind=QuarantineKind.CENTRALISED, site=full)
    error = raised.value
    assert error.code == "quarantine.site_full"
    listing = str(error.params["sites"])
    assert listing.index(near.name) < listing.index(far.name)  # same district first
    assert site.name in listing
    with pytest.raises(SiteFull) as seen_by_grid1:
        start(db, make_person(db, name="丁"), kind=QuarantineKind.CENTRALISED, site=full,
              actor=actors("grid1"))
    assert far.name not in str(seen_by_grid1.value.params["sites"])  # another district


def test_a_taken_room_is_refused(db: Session, site: Site) -> None:
    single = rooms_of(db, site)[0]
    persons = [make_person(db, name=name) for name in ("甲", "乙")]
    do_start_group(db, actor=SYSTEM, persons=persons[:1], kind=QuarantineKind.CENTRALISED,
                   start=persons[0].created_at.date(), room=single)
    with pytest.raises(RoomFull):
        do_start_group(db, actor=SYSTEM, persons=persons[1:], kind=QuarantineKind.CENTRALISED,
                       start=persons[1].created_at.date(), room=single)


def test_occupancy_per_site_and_per_area(db: Session, site: Site, household: Household) -> None:
    make_site(db, area="220102001", name="南岭招待所", rooms="1-2", capacity=2)
    do_start_group(db, actor=SYSTEM, persons=members_of(db, household),
                   kind=QuarantineKind.CENTRALISED, start=household.created_at.date(), site=site)
    by_site = occupancy_by_site(db, [site.id])[site.id]
    assert (by_site.rooms, by_site.beds, by_site.occupied, by_site.free) == (4, 6, 2, 4)
    by_area = occupancy_by_area(db, prefix=NANGUAN, digits=9)
    assert by_area["220102001"].beds == 4
    assert by_area[NANGUAN].occupied == 2  # the district's own site, under its own code
    assert sum(item.beds for item in by_area.values()) == occupancy_by_area(
        db, prefix="2201", digits=6)[NANGUAN].beds
    assert GRID2 not in by_area
