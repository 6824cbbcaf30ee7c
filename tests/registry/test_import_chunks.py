"""The checked batches as they cross from the checking process: packed and unpacked, they are
the same persons, households and rejected rows (no database here)."""

from __future__ import annotations

from datetime import date

from fangkong.registry.bulk import group_persons
from fangkong.registry.bulk_households import group_households
from fangkong.registry.importer_job import CheckedChunk, joined_cells
from fangkong.registry.importer_rows import HouseholdIn, PersonIn

GRID = "220102001001001"


def person(row: int, number: str | None, birth: date | None, **fields: object) -> PersonIn:
    values: dict[str, object] = {
        "row": row, "name": "王伟", "id_type": "resident_id", "id_number": number, "sex": None,
        "birth_date": birth, "phone": None, "residence": None, "occupation": None,
        "notes": None, "relation": None, "tags": None, "grid": GRID, "household_code": None,
        "address": "人民大街1号"}
    values.update(fields)
    return PersonIn(**values)  # type: ignore[arg-type]


def test_a_person_chunk_crosses_unchanged() -> None:
    people = [person(3, "1", date(1980, 5, 1), relation="head", phone="13812345678",
                     tags=("low_income",)),
              person(4, None, None, name="李娜", sex="female"),
              person(5, "3", date(2010, 1, 3), household_code="A-01", address=None),
              person(6, "1", date(1980, 5, 1))]
    chunk = CheckedChunk(count=5, last=7, ignored=1, groups=group_persons(people, set()),
                         cells={3: "王伟\x00x", 7: "bad"})
    chunk.groups.rejected[7] = {"name": "The name is empty."}
    back = CheckedChunk.unpack(chunk.pack(), PersonIn)
    assert (back.count, back.last, back.ignored) == (5, 7, 1)
    assert (back.raw(7), back.cells) == (["bad"], chunk.cells)
    assert back.groups.rejected == chunk.groups.rejected == {
        6: {"id_number": "This person appears in an earlier row of the file."},
        7: {"name": "The name is empty."}}
    assert [item for item, _ in back.groups.kept] == people[:3]
    assert all(type(item) is PersonIn for item, _ in back.groups.kept)
    assert list(back.groups.homes) == list(chunk.groups.homes)
    assert [home for _, home in back.groups.kept] == [home for _, home in chunk.groups.kept]
    first, second, _ = back.groups.kept
    assert first[1] is second[1] is back.groups.homes["a", GRID, "人民大街1号"]
    assert back.raw(3) == ["王伟", "x"]


def test_the_cells_of_a_row_come_back_as_they_were() -> None:
    rows = {3: ["王伟", "", "人民大街1号"], 4: ["李\x00娜", "x"], 5: [], 6: ["", 2020.0, None]}
    chunk = CheckedChunk(count=4, last=6, cells={
        number: joined_cells(cells) for number, cells in rows.items()})  # type: ignore[arg-type]
    back = CheckedChunk.unpack(chunk.pack(), PersonIn)
    assert {number: back.raw(number) for number in rows} == {
        3: ["王伟", "", "人民大街1号"], 4: ["李\x00娜", "x"], 5: [], 6: ["", "2020", ""]}


def test_a_household_chunk_and_an_empty_one_cross_unchanged() -> None:
    homes = [HouseholdIn(2, "A-01", GRID, "人民大街1号", "王伟", None, "family", None)]
    chunk = CheckedChunk(count=1, last=2, groups=group_households(homes, set()))
    back = CheckedChunk.unpack(chunk.pack(), HouseholdIn)
    assert back.groups.homes == chunk.groups.homes
    assert back.groups.kept == []
    empty = CheckedChunk.unpack(CheckedChunk().pack(), PersonIn)
    assert (empty.count, empty.groups.kept, empty.groups.homes) == (0, [], {})
