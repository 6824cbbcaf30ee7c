"""The import pipeline end to end on the database: idempotence, updates by natural key,
households from the rows or from their own sheet, scope, failures half-way, counters."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from registry_helpers import (
    GRID1,
    GRID1_NEIGHBOUR,
    GRID2,
    actor_of,
    counted_write_turns,
    make_household,
    make_person,
)
from registry_helpers import resident_id as rid
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangkong.accounts.models import AuditEntry
from fangkong.errors import NotFound
from fangkong.i18n import Translator
from fangkong.registry import importer_job
from fangkong.registry.bulk import OUTSIDE_PERSON, REPEATED_PERSON, BatchOutcome
from fangkong.registry.bulk_writer import ConcurrentChange
from fangkong.registry.counting import refresh_counters
from fangkong.registry.importer_export import rejected_workbook
from fangkong.registry.importer_job import run_import
from fangkong.registry.importer_source import ImportFile
from fangkong.registry.models import (
    GridCounter,
    Household,
    ImportBatch,
    ImportRejection,
    Person,
    PersonMove,
    PersonTag,
)

HEAD, WIFE, SON = rid(date(1980, 5, 1), 11), rid(date(1982, 6, 2), 22), rid(date(2010, 1, 3), 31)
ZH = Translator("zh_Hans", ZoneInfo("Asia/Shanghai"))


def write_csv(path: Path, lines: list[str], encoding: str = "utf-8") -> ImportFile:
    path.write_bytes("\n".join(lines).encode(encoding))
    return ImportFile(path, path.name)


COLUMNS = "姓名,身份证号,联系电话,现住址,与户主关系"


def roster(tmp_path: Path, rows: list[str], header: str = COLUMNS) -> ImportFile:
    return write_csv(tmp_path / "花名册.csv", ["幸福社区居民花名册", header, *rows])


def people(db: Session, **where: object) -> list[Person]:
    stmt = select(Person).filter_by(**where).order_by(Person.id)
    return list(db.scalars(stmt))


def run(db: Session, source: ImportFile, *, user: str = "admin", area: str = GRID1,
        batch_size: int = 10_000, commit_rows: int = 10_000) -> ImportBatch:
    return run_import(db, actor=actor_of(db, user), source=source, area_code=area,
                      batch_size=batch_size, commit_rows=commit_rows)


def counters_are_exact(db: Session, grids: list[str]) -> None:
    """The counters the import kept equal a full recount."""
    def state() -> list[tuple[object, ...]]:
        db.expire_all()
        counters = [(c.area_code, c.households, c.persons, c.tags) for c in db.scalars(
            select(GridCounter).where(GridCounter.area_code.in_(grids)).order_by(
                GridCounter.area_code))]
        members = list(db.execute(select(Household.id, Household.members).where(
            Household.area_code.in_(grids)).order_by(Household.id)))
        return [*counters, *members]

    kept = state()
    refresh_counters(db, grids)
    db.flush()
    assert kept == state()


def test_a_roster_is_imported_and_a_second_import_changes_nothing(
    db: Session, tmp_path: Path
) -> None:
    source = roster(tmp_path, [f"王伟,{HEAD},13812345678,人民大街1号,户主",
                               f"李娜,{WIFE},,人民大街1号,配偶", "合计,2人,,,"])
    first = run(db, source, batch_size=1)
    assert first.status == "done", first.message
    assert (first.counts["added"], first.counts["ignored"]) == (2, 1)
    assert first.counts["households_added"] == 1
    second = run(db, source)
    assert (second.counts["unchanged"], second.counts["added"], second.counts["updated"]) == (
        2, 0, 0)
    assert second.counts["households_added"] == second.counts["households_updated"] == 0
    household = db.scalar(select(Household).where(Household.address == "人民大街1号",
                                                  Household.area_code == GRID1))
    assert household is not None
    assert (household.head_name, household.phone, household.members) == ("王伟", "13812345678", 2)
    assert household.code.startswith(f"{GRID1}-")
    counters_are_exact(db, [GRID1])
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "import",
                                               AuditEntry.record_id == str(second.id)))
    assert entry is not None
    assert entry.detail["counts"]["unchanged"] == 2


def test_changed_rows_are_updated_and_empty_cells_keep_what_is_stored(
    db: Session, tmp_path: Path
) -> None:
    run(db, roster(tmp_path, [f"王伟,{HEAD},13812345678,人民大街1号,户主"]))
    changed = run(db, roster(tmp_path, [f"王 伟,{HEAD},13900000000,人民大街1号,户主"]))
    assert changed.counts["updated"] == 1
    blank = run(db, roster(tmp_path, [f"王 伟,{HEAD},,人民大街1号,"]))
    assert blank.counts["unchanged"] == 1
    (person,) = people(db, id_number=HEAD)
    assert (person.name, person.phone, person.relation) == ("王 伟", "13900000000", "head")


def test_a_person_moving_to_another_address_moves_with_history(
    db: Session, tmp_path: Path
) -> None:
    run(db, roster(tmp_path, [f"王伟,{HEAD},,人民大街1号,户主", f"李娜,{WIFE},,人民大街1号,配偶"]))
    moved = run(db, roster(tmp_path, [f"李娜,{WIFE},,自由大路8号,户主"]))
    assert (moved.counts["updated"], moved.counts["households_added"]) == (1, 1)
    (wife,) = people(db, id_number=WIFE)
    household = db.get(Household, wife.household_id)
    assert household is not None
    assert (household.address, household.head_name, household.members) == ("自由大路8号",
                                                                            "李娜", 1)
    move = db.scalar(select(PersonMove).where(PersonMove.person_id == wife.id))
    assert move is not None
    assert move.to_household_id == household.id
    counters_are_exact(db, [GRID1])


def test_households_by_their_number_and_persons_without_an_id(
    db: Session, tmp_path: Path
) -> None:
    header = "户编号,姓名,身份证号,出生日期,性别,与户主关系,住址"
    rows = [f"H-001,王伟,{HEAD},,,户主,人民大街1号", "H-001,王小宝,,2024-03-01,男,子,",
            f"H-002,李娜,{WIFE},,,户主,人民大街2号"]
    first = run(db, roster(tmp_path, rows, header))
    assert (first.counts["added"], first.counts["households_added"]) == (3, 2)
    again = run(db, roster(tmp_path, rows, header))
    assert again.counts["unchanged"] == 3
    baby = people(db, name="王小宝")
    assert len(baby) == 1
    assert (baby[0].id_number, baby[0].birth_date, baby[0].sex) == (None, date(2024, 3, 1),
                                                                    "male")
    household = db.scalar(select(Household).where(Household.code == "H-001"))
    assert household is not None
    assert (household.members, household.address) == (2, "人民大街1号")


def test_a_household_sheet_then_its_persons(db: Session, tmp_path: Path) -> None:
    homes = write_csv(tmp_path / "户.csv", ["户号,户主姓名,住址,联系电话,户别",
                                           "H-9,王伟,人民大街9号,0431-88881234,集体户"])
    batch = run(db, homes)
    assert (batch.kind, batch.counts["added"]) == ("households", 1)
    assert run(db, homes).counts["unchanged"] == 1
    persons = write_csv(tmp_path / "人.csv", ["户号,姓名,身份证号", f"H-9,王伟,{HEAD}",
                                             f"H-9,李娜,{WIFE}"])
    assert run(db, persons).counts["added"] == 2
    household = db.scalar(select(Household).where(Household.code == "H-9"))
    assert household is not None
    assert (household.kind, household.phone, household.members) == ("collective",
                                                                     "0431-88881234", 2)


def test_a_person_repeated_in_the_file_is_rejected_in_any_batch(
    db: Session, tmp_path: Path
) -> None:
    source = roster(tmp_path, [f"王伟,{HEAD},,人民大街1号,户主", f"李娜,{WIFE},,人民大街1号,",
                               f"王伟,{HEAD},13812345678,人民大街1号,户主"])
    for _ in range(2):
        batch = run(db, source, batch_size=1)
        assert batch.counts["rejected"] == 1
        rejection = db.scalar(select(ImportRejection).where(
            ImportRejection.batch_id == batch.id, ImportRejection.row_number == 5))
        assert rejection is not None
        assert rejection.reasons == [REPEATED_PERSON]
    assert people(db, id_number=HEAD)[0].phone == ""


def test_rows_outside_the_workers_area_are_rejected(db: Session, tmp_path: Path) -> None:
    elsewhere = make_household(db, GRID2, "朝阳区某街1号")
    make_person(db, elsewhere, "赵六", id_number=SON)
    header = "姓名,身份证号,住址,所属网格"
    source = roster(tmp_path, [f"王伟,{HEAD},人民大街1号,{GRID1}",
                               f"李娜,{WIFE},人民大街2号,{GRID2}",
                               f"赵六,{SON},人民大街3号,{GRID1}"], header)
    batch = run(db, source, user="grid1", area=GRID1)
    assert (batch.counts["added"], batch.counts["rejected"]) == (1, 2)
    reasons = {entry.row_number: entry.reasons for entry in db.scalars(
        select(ImportRejection).where(ImportRejection.batch_id == batch.id))}
    assert reasons[4] == ["This grid is not in the chosen area."]
    assert reasons[5] == [OUTSIDE_PERSON]
    assert people(db, id_number=SON)[0].area_code == GRID2
    with pytest.raises(NotFound):
        run(db, source, user="grid1", area=GRID2)


def test_rows_are_placed_in_grids_by_name(db: Session, tmp_path: Path) -> None:
    header = "姓名,身份证号,住址,网格"
    source = roster(tmp_path, [f"王伟,{HEAD},人民大街1号,第1网格",
                               f"李娜,{WIFE},人民大街2号,第2网格"], header)
    batch = run(db, source, area=GRID1[:12])
    assert batch.counts["added"] == 2
    assert [p.area_code for p in people(db)] == [GRID1, GRID1_NEIGHBOUR]
    counters_are_exact(db, [GRID1, GRID1_NEIGHBOUR])


def failing_on_call(monkeypatch: pytest.MonkeyPatch, number: int) -> list[int]:
    """The person upsert fails with an unexpected error on its `number`th call."""
    real = importer_job.upsert_person_groups
    calls: list[int] = []

    def failing(*args: object, **kwargs: object) -> BatchOutcome:
        calls.append(1)
        if len(calls) == number:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(importer_job, "upsert_person_groups", failing)
    return calls


THREE = [f"王伟,{HEAD},,人民大街1号,户主", f"李娜,{WIFE},,人民大街1号,",
         f"王强,{SON},,人民大街1号,"]


def last_import(db: Session) -> ImportBatch:
    batch = db.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(1))
    assert batch is not None
    return batch


def test_a_failure_half_way_keeps_the_batches_before_and_a_rerun_completes(
    db: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = roster(tmp_path, THREE)
    failing_on_call(monkeypatch, 2)
    with pytest.raises(RuntimeError):
        run(db, source, batch_size=1, commit_rows=1)
    failed = last_import(db)
    assert (failed.status, failed.counts["added"], failed.counts["next_row"]) == ("failed", 1, 3)
    assert [p.id_number for p in people(db)] == [HEAD]
    counters_are_exact(db, [GRID1])
    monkeypatch.undo()
    rerun = run(db, source, batch_size=1, commit_rows=1)
    assert (rerun.counts["unchanged"], rerun.counts["added"]) == (1, 2)


def test_batches_sharing_a_transaction_are_kept_or_lost_together(
    db: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = roster(tmp_path, THREE)
    failing_on_call(monkeypatch, 3)  # rows 3 and 4 share the first transaction, row 5 fails
    with pytest.raises(RuntimeError):
        run(db, source, batch_size=1, commit_rows=2)
    failed = last_import(db)
    assert (failed.status, failed.counts["added"], failed.counts["next_row"]) == ("failed", 2, 4)
    assert [p.id_number for p in people(db)] == [HEAD, WIFE]
    failing_on_call(monkeypatch, 2)  # the second batch of the first transaction fails
    with pytest.raises(RuntimeError):
        run(db, write_csv(tmp_path / "另一户.csv", [
            COLUMNS, f"赵六,{rid(date(1990, 1, 1), 41)},,人民大街2号,户主",
            f"钱七,{rid(date(1991, 2, 2), 52)},,人民大街2号,"]), batch_size=1, commit_rows=2)
    assert (last_import(db).counts.get("added", 0), len(people(db))) == (0, 2)
    counters_are_exact(db, [GRID1])
    monkeypatch.undo()
    rerun = run(db, source, batch_size=1, commit_rows=2)
    assert (rerun.counts["unchanged"], rerun.counts["added"]) == (2, 1)


def test_a_batch_meeting_a_concurrent_change_is_redone(
    db: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = importer_job.upsert_person_groups
    calls: list[int] = []

    def racing(*args: object, **kwargs: object) -> BatchOutcome:
        calls.append(1)
        if len(calls) == 1:
            raise ConcurrentChange()
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(importer_job, "upsert_person_groups", racing)
    batch = run(db, roster(tmp_path, [f"王伟,{HEAD},,人民大街1号,户主"]))
    assert (batch.status, batch.counts["added"], len(calls)) == ("done", 1, 2)


def test_each_transaction_of_an_import_takes_its_turn_at_the_write_gate(
    db: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    turns = counted_write_turns(monkeypatch)
    batch = run(db, roster(tmp_path, THREE), batch_size=1, commit_rows=2)
    assert batch.counts["added"] == 3
    assert len(turns) == 2  # rows 3 and 4, then row 5 and the end of the file


@pytest.mark.parametrize(("commit_rows", "expected"), [
    (1, [[3], [4], [4], [5], []]),  # the last, empty batch ends the import
    (3, [[3], [4], [3], [4], [5], []]),  # the whole transaction again, from its first batch
])
def test_a_transaction_meeting_a_concurrent_change_is_redone_from_the_last_commit(
    db: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, commit_rows: int,
    expected: list[list[int]],
) -> None:
    real = importer_job.upsert_person_groups
    seen: list[list[int]] = []

    def racing(*args: object, **kwargs: object) -> BatchOutcome:
        groups = kwargs["groups"]
        seen.append([item.row for item, _ in groups.kept])  # type: ignore[attr-defined]
        if len(seen) == 2:
            raise ConcurrentChange()
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(importer_job, "upsert_person_groups", racing)
    batch = run(db, roster(tmp_path, THREE), batch_size=1, commit_rows=commit_rows)
    assert (batch.status, batch.counts["added"], batch.counts["rows"]) == ("done", 3, 3)
    assert seen == expected
    assert [p.id_number for p in people(db)] == [HEAD, WIFE, SON]


def test_tags_are_set_and_counted(db: Session, tmp_path: Path) -> None:
    header = "姓名,身份证号,住址,特殊人群"
    run(db, roster(tmp_path, [f"王伟,{HEAD},人民大街1号,独居老人、慢性病",
                              f"李娜,{WIFE},人民大街2号,"], header))
    counter = db.get(GridCounter, GRID1)
    assert counter is not None
    assert counter.tags == {"chronic": 1, "elderly_alone": 1}
    again = run(db, roster(tmp_path, [f"王伟,{HEAD},人民大街1号,慢性病",
                                      f"李娜,{WIFE},人民大街2号,孕妇"], header))
    assert again.counts["updated"] == 2
    tags = sorted(db.scalars(select(PersonTag.tag)))
    assert tags == ["chronic", "pregnant"]
    counters_are_exact(db, [GRID1])


def test_the_rejected_rows_download_corrects_and_imports_again(
    db: Session, tmp_path: Path
) -> None:
    source = roster(tmp_path, [f"王伟,{HEAD},,人民大街1号,户主", "李娜,12345,,人民大街1号,配偶",
                               f"王强,{SON},1381234,人民大街1号,子"])
    batch = run(db, source)
    assert batch.counts["rejected"] == 2
    book = load_workbook(io.BytesIO(rejected_workbook(db, batch, ZH)))
    sheet = book.active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["姓名", "身份证号", "联系电话", "现住址", "与户主关系", "原因"]
    assert [row[0] for row in rows[1:]] == ["李娜", "王强"]
    assert "身份证号码" in str(rows[1][5]) or "证件" in str(rows[1][5])
    sheet.cell(row=2, column=2, value=WIFE)
    sheet.cell(row=3, column=3, value="13812345678")
    corrected = tmp_path / "改正.xlsx"
    book.save(corrected)
    again = run(db, ImportFile(corrected, corrected.name))
    assert (again.counts["added"], again.counts["rejected"]) == (2, 0)
    assert db.scalar(select(func.count()).select_from(Person).where(
        Person.area_code == GRID1)) == 3


def test_rows_checked_in_a_process_of_their_own_give_the_same_result(
    db: Session, tmp_path: Path
) -> None:
    rows = [f"王伟,{HEAD},,人民大街1号,户主", "李娜,12345,,人民大街1号,配偶",
            f"王强,{SON},,人民大街1号,子", f"王伟,{HEAD},,人民大街1号,户主", "合计,4,,,"]
    source = roster(tmp_path, rows)
    batch = run_import(db, actor=actor_of(db, "admin"), source=source, area_code=GRID1,
                       batch_size=2, workers=1)
    counts = batch.counts
    assert (counts["added"], counts["rejected"], counts["ignored"]) == (2, 2, 1)
    again = run_import(db, actor=actor_of(db, "admin"), source=source, area_code=GRID1,
                       batch_size=2, workers=1)
    assert (again.counts["unchanged"], again.counts["rejected"]) == (2, 2)
    rejected = {entry.row_number: entry.raw[0] for entry in db.scalars(select(
        ImportRejection).where(ImportRejection.batch_id == again.id)) if entry.reasons}
    assert rejected == {4: "李娜", 6: "王伟"}
