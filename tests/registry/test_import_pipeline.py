"""The import pipeline end to end: a community's CSV into the registry, twice."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from registry_helpers import GRID1, actor_of, resident_id
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangkong.registry.importer import run_import
from fangkong.registry.importer_source import ImportFile
from fangkong.registry.models import Household, Person


def write_csv(path: Path, lines: list[str], encoding: str = "utf-8") -> ImportFile:
    path.write_bytes("\n".join(lines).encode(encoding))
    return ImportFile(path, path.name)


def test_a_roster_is_imported_and_a_second_import_changes_nothing(
    db: Session, tmp_path: Path
) -> None:
    head = resident_id(date(1980, 5, 1), 11)
    wife = resident_id(date(1982, 6, 2), 22)
    lines = [
        "幸福社区居民花名册,,,,",
        "姓名,身份证号,联系电话,现住址,与户主关系",
        f"王伟,{head},13812345678,人民大街1号,户主",
        f"李娜,{wife},,人民大街1号,配偶",
        "合计,2人,,,",
    ]
    source = write_csv(tmp_path / "花名册.csv", lines)
    admin = actor_of(db, "admin")
    first = run_import(db, actor=admin, source=source, area_code=GRID1, batch_size=1)
    assert first.status == "done", first.message
    assert first.counts["added"] == 2
    assert first.counts["ignored"] == 1
    second = run_import(db, actor=admin, source=source, area_code=GRID1)
    assert second.counts["unchanged"] == 2, second.counts
    assert second.counts["added"] == second.counts["updated"] == 0
    household = db.scalar(select(Household).where(Household.address == "人民大街1号"))
    assert household is not None
    assert household.head_name == "王伟"
    assert household.members == 2
    assert db.scalar(select(func.count()).select_from(Person).where(
        Person.household_id == household.id)) == 2
