"""Importing lab files: by tube or ID number, Chinese header variants, idempotent, a row-level
error report (downloadable, re-importable), positives and retests from a file."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from testing_helpers import (
    GRID1,
    ZONE,
    actor_of,
    collect,
    hours_ago,
    make_persons,
    resident_id,
    stamp,
    write_csv,
)

from fangkong.i18n import Translator
from fangkong.quarantine.models import Alert
from fangkong.registry.importer_rows import Rejected
from fangkong.registry.importer_source import ImportFile
from fangkong.registry.models import ImportBatch, ImportRejection
from fangkong.scope import Actor
from fangkong.tabular import NoHeader, Row, Unreadable
from fangkong.testing.codes import Result, Retest
from fangkong.testing.lab_chunks import AheadChunks, LabChunks
from fangkong.testing.lab_export import rejected_workbook
from fangkong.testing.lab_import import run_lab_import
from fangkong.testing.lab_rows import LabChecker, LabRow
from fangkong.testing.models import Positive, ResultEntry, Sample, SampleMember

TR = Translator("en", ZONE)


def hospital(db: Session) -> Actor:
    return actor_of(db, "hospital")


def run(db: Session, path: Path, *, lab: str = "", batch_size: int = 3) -> ImportBatch:
    return run_lab_import(db, actor=hospital(db), source=ImportFile(path, path.name),
                          lab=lab, batch_size=batch_size)


def entries(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(ResultEntry)) or 0


@pytest.fixture
def tubes(db: Session) -> list[Sample]:
    """Four single tubes and a pooled one of three, taken ten hours ago in grid2's grid."""
    persons = make_persons(db, count=7, first=600)
    at = hours_ago(10)
    singles = [collect(db, [person], f"LAB-{index:04d}", at=at)
               for index, person in enumerate(persons[:4], start=1)]
    return [*singles, collect(db, persons[4:], "LAB-POOL-01", at=at)]


def test_a_file_by_tube_number_and_the_same_file_again(db: Session, tmp_path: Path,
                                                       tubes: list[Sample]) -> None:
    when = stamp(hours_ago(2))
    path = write_csv(tmp_path / "结果.csv", [
        ["LAB-0001", "阴性", when, "长春市检验中心"],
        ["LAB-0002", "阴性(-)", when, "长春市检验中心"],
        ["LAB-0003", "阳性", when, "长春市检验中心"],
        ["LAB-0004", "无效", when, "长春市检验中心"],
        ["LAB-POOL-01", "positive", when, "长春市检验中心"],
        ["合计", "5", "", ""],
    ])
    before = entries(db)
    batch = run(db, path)
    assert batch.status == "done"
    assert {key: batch.counts[key] for key in ("rows", "added", "unchanged", "rejected",
                                               "ignored", "positives", "retests")} == {
        "rows": 5, "added": 5, "unchanged": 0, "rejected": 0, "ignored": 1, "positives": 1,
        "retests": 3}
    db.expire_all()
    assert [sample.result for sample in tubes] == [
        Result.NEGATIVE, Result.NEGATIVE, Result.POSITIVE, Result.INVALID, Result.POSITIVE]
    assert entries(db) == before + 5
    assert db.scalar(select(Positive.sample_id)) is not None
    assert {retest for (retest,) in db.execute(select(SampleMember.retest).where(
        SampleMember.sample_id == tubes[4].id))} == {Retest.REQUIRED}
    alerts = db.scalar(select(func.count()).select_from(Alert).where(Alert.kind == "positive"))

    again = run(db, path)
    assert (again.counts["added"], again.counts["unchanged"], again.counts["rejected"]) == (
        0, 5, 0)
    assert entries(db) == before + 5
    assert db.scalar(select(func.count()).select_from(Alert).where(
        Alert.kind == "positive")) == alerts


def test_bad_rows_are_named_and_good_rows_kept(db: Session, tmp_path: Path,
                                               tubes: list[Sample]) -> None:
    when = stamp(hours_ago(2))
    path = write_csv(tmp_path / "lab.csv", [
        ["LAB-0001", "阴性", when, ""],
        ["NO-SUCH-TUBE", "阴性", when, ""],
        ["LAB-0002", "待定", when, ""],
        ["LAB-0003", "阴性", stamp(hours_ago(-30)), ""],
        ["LAB-0004", "阴性", "明天", ""],
        ["LAB-0004", "阴性", stamp(hours_ago(20)), ""],  # before the sample was taken
        ["", "阴性", when, ""],
        ["LAB-POOL-01", "阴性", when, ""],
    ], header=("样本编号", "结果", "报告时间", "检测单位"))
    batch = run(db, path, lab="区疾控中心")
    assert (batch.counts["added"], batch.counts["rejected"]) == (2, 6)
    reasons = {entry.row_number: entry.reasons for entry in db.scalars(
        select(ImportRejection).where(ImportRejection.batch_id == batch.id))}
    assert reasons[2] == []  # the header row, kept for the download
    assert reasons[4] == ["No sample with this tube number in your area."]
    assert reasons[5] == ["The result is not 阴性, 阳性 or 无效 (negative, positive, invalid)."]
    assert reasons[6] == ["The result time is in the future."]
    assert reasons[7] == ["The result time is not a time, such as 2020-02-03 14:30."]
    assert reasons[8] == ["The result time is before the sample was taken."]
    assert reasons[9] == ["Give a tube number or an ID number."]
    db.expire_all()
    assert [sample.result for sample in tubes] == [
        Result.NEGATIVE, Result.PENDING, Result.PENDING, Result.PENDING, Result.NEGATIVE]
    assert tubes[0].lab == "区疾控中心"


def test_the_rejected_rows_download_is_corrected_and_imported_again(
        db: Session, tmp_path: Path, tubes: list[Sample]) -> None:
    when = stamp(hours_ago(2))
    path = write_csv(tmp_path / "lab.csv", [
        ["LAB-0001", "阴性", when, "中心"],
        ["LAB-0002", "阴X", when, "中心"],
    ])
    batch = run(db, path)
    book = load_workbook(io.BytesIO(rejected_workbook(db, batch, TR)))
    rows = [list(row) for row in book.active.iter_rows(values_only=True)]
    assert rows[0] == ["试管编号", "检测结果", "检测时间", "检测机构", "Reason"]
    assert rows[1][:4] == ["LAB-0002", "阴X", when, "中心"]
    assert "阴性" in str(rows[1][4])
    corrected = tmp_path / "corrected.xlsx"
    rows[1][1] = "阴性"
    fixed = Workbook()
    for row in rows:
        fixed.active.append(row)
    fixed.save(corrected)
    again = run(db, corrected)
    assert (again.counts["added"], again.counts["rejected"]) == (1, 0)
    db.expire_all()
    assert tubes[1].result == Result.NEGATIVE


def test_a_file_by_id_number(db: Session, tmp_path: Path) -> None:
    persons = make_persons(db, count=2, first=700)
    old = collect(db, [persons[0]], "ID-OLD-01", at=hours_ago(48))
    new = collect(db, [persons[0]], "ID-NEW-01", at=hours_ago(10))
    collect(db, [persons[1]], "ID-TWO-01", at=hours_ago(10))
    when = stamp(hours_ago(1))
    path = write_csv(tmp_path / "by-id.csv", [
        ["张三", resident_id(700), "阴性", when],
        ["李四", resident_id(701)[:-1] + ("0" if resident_id(701)[-1] != "0" else "1"), "阴性",
         when],
        ["王五", resident_id(799), "阴性", when],
        ["赵六", resident_id(701), "阴性", stamp(hours_ago(30))],
    ], header=("姓名", "身份证号码", "核酸检测结果", "检测日期"), title=None)
    batch = run(db, path, lab="中心")
    assert (batch.counts["added"], batch.counts["rejected"]) == (1, 3)
    reasons = {entry.row_number: entry.reasons for entry in db.scalars(
        select(ImportRejection).where(ImportRejection.batch_id == batch.id))}
    assert reasons[3] == ["The check character (last character) of the ID number is wrong."]
    assert reasons[4] == reasons[5] == [
        "No sample of this person was taken in your area before the result time."]
    db.expire_all()
    assert (new.result, old.result) == (Result.NEGATIVE, Result.PENDING)


def test_tube_and_id_number_must_agree(db: Session, tmp_path: Path, tubes: list[Sample]) -> None:
    path = write_csv(tmp_path / "both.csv", [
        ["LAB-0001", resident_id(600), "阴性", stamp(hours_ago(1))],
        ["LAB-0002", resident_id(600), "阴性", stamp(hours_ago(1))],
    ], header=("试管号", "证件号码", "检测结果", "检测时间"))
    batch = run(db, path, lab="中心")
    assert (batch.counts["added"], batch.counts["rejected"]) == (1, 1)
    assert db.scalar(select(ImportRejection.reasons).where(
        ImportRejection.batch_id == batch.id, ImportRejection.row_number == 4)) == [
        "This person is not in this tube."]


def test_tubes_outside_the_importers_area_are_unknown(db: Session, tmp_path: Path) -> None:
    (person,) = make_persons(db, GRID1, first=720)
    sample = collect(db, [person], "OUT-0001", at=hours_ago(5))
    path = write_csv(tmp_path / "out.csv", [["OUT-0001", "阳性", stamp(hours_ago(1)), "中心"]])
    batch = run(db, path)
    assert (batch.counts["added"], batch.counts["rejected"]) == (0, 1)
    db.expire_all()
    assert sample.result == Result.PENDING
    assert not db.scalars(select(Positive).where(Positive.sample_id == sample.id)).all()


def test_days_alone_times_of_excel_and_later_corrections(db: Session, tmp_path: Path,
                                                        tubes: list[Sample]) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["条码", "检测结果", "检测时间", "检测机构"])
    later = hours_ago(1).astimezone(ZONE)
    sheet.append(["LAB-0001", "阳性", later.replace(tzinfo=None), "甲"])
    sheet.append(["LAB-0002", "阴性", tubes[1].collected_at.astimezone(later.tzinfo).date(), "甲"])
    sheet.append(["LAB-0001", "阴性", (later - timedelta(minutes=30)).replace(tzinfo=None), "甲"])
    path = tmp_path / "lab.xlsx"
    book.save(path)
    batch = run(db, path)
    assert (batch.counts["added"], batch.counts["rejected"]) == (3, 0)
    db.expire_all()
    assert (tubes[0].result, tubes[1].result) == (Result.POSITIVE, Result.NEGATIVE)
    assert db.scalar(select(func.count()).select_from(ResultEntry).where(
        ResultEntry.sample_id == tubes[0].id)) == 2


def test_a_file_without_the_needed_columns_is_refused(db: Session, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bad.csv", [["x", "y"]], header=("姓名", "检测结果", "检测时间"))
    with pytest.raises(NoHeader):
        run(db, path)
    path = write_csv(tmp_path / "bad2.csv", [["x", "y"]], header=("试管编号", "姓名"))
    with pytest.raises(NoHeader):
        run(db, path)


def test_an_error_reading_ahead_is_raised_where_its_batch_would_be(tmp_path: Path) -> None:
    def rows() -> Iterator[Row]:
        yield Row(3, ["LAB-0001", "阴性", "2026-11-01 08:00:00", "中心"])
        raise Unreadable()

    checker = LabChecker({"tube_code": 0, "result": 1, "reported_at": 2, "lab": 3}, "",
                         datetime(2026, 11, 2, tzinfo=ZONE), ZONE)
    chunks = AheadChunks(LabChunks(rows(), checker, 1))
    assert [row.tube_code for row in chunks.next().checked.good] == ["LAB-0001"]
    chunks.start()
    chunks.join()
    with pytest.raises(Unreadable):
        chunks.next()


CELLS = st.one_of(
    st.sampled_from(["LAB-0001", " LAB-0002 ", "ＬＡＢ－０００３", "12345678901234567890",
                     "1.5E+17", "阴性", "阳性+", " 阴性 ", "Negative", "待定", "无效", "",
                     "   ", "合计", "2026-11-01 08:00:00", "2026-11-01\t08:00", " 2026-11-01",
                     "2026-11-01  08:00", "2026年11月1日 8时", "2099-01-01", "中心", "x" * 101,
                     resident_id(600), resident_id(600)[:-1] + "0", "１２３"]),
    st.text(max_size=12), st.none(), st.integers(-5, 10**17), st.floats(allow_nan=False),
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1)))  # noqa: DTZ001
COLUMNS = st.sampled_from([
    {"tube_code": 0, "result": 1, "reported_at": 2, "lab": 3},
    {"tube_code": 0, "id_number": 1, "result": 2, "reported_at": 3},
    {"id_number": 3, "result": 0, "reported_at": 2, "lab": 1}])


@settings(max_examples=300, deadline=None)
@given(columns=COLUMNS, lab=st.sampled_from(["", "区疾控中心", "y" * 101]),
       rows=st.lists(st.lists(CELLS, max_size=5), min_size=1, max_size=8))
def test_the_quick_check_agrees_with_the_full_check(
        columns: dict[str, int], lab: str, rows: list[list[object]]) -> None:
    now = datetime(2026, 11, 2, tzinfo=ZONE)
    checker = LabChecker(columns, lab, now, ZONE)
    table = [Row(number, cells) for number, cells in enumerate(rows, start=3)]  # type: ignore[arg-type]
    twice = table + table  # the second time through, the quick check knows the texts
    checked = checker.check_all(twice)
    full = [LabChecker(columns, lab, now, ZONE).check(row) for row in twice]
    assert checked.good == [item for item in full if isinstance(item, LabRow)]
    assert checked.rejected == {item.row: item.reasons for item in full
                                if isinstance(item, Rejected)}
    assert checked.ignored == full.count(None)
