"""Files as they arrive: xlsx with titles and merged cells, CSV in GB18030 or UTF-8, large xlsx
streamed, and the files that must be refused with a clear message and nothing imported."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from registry_helpers import GRID1, actor_of, resident_id
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from xls_file import xls_bytes

from fangkong.errors import DomainError
from fangkong.registry.importer_job import run_import
from fangkong.registry.importer_source import FileTooLarge, ImportFile, open_rows
from fangkong.registry.importer_xlsx import open_xlsx_stream
from fangkong.registry.models import ImportBatch, Person
from fangkong.tabular import open_table

HEAD = resident_id(date(1980, 5, 1), 11)
WIFE = resident_id(date(1982, 6, 2), 22)


def community_workbook(path: Path) -> ImportFile:
    """An xlsx as a community makes it: an instructions sheet first, a merged title, the header
    on row 4, an ID typed as a number, Excel dates, a blank row and a total row."""
    book = Workbook()
    book.active.title = "填表说明"
    book.active["A1"] = "请勿修改表头"
    sheet = book.create_sheet("花名册")
    sheet["A1"] = "南岭街道幸福社区 居民花名册"
    sheet.merge_cells("A1:G1")
    sheet["A2"] = "填报日期：2020年2月3日"
    sheet.append([])
    sheet.append(["序号", "姓 名", "身份证号码\n(必填)", "出生日期", "联系电话", "家庭住址",
                  "关系"])
    sheet.append([1, "王伟", HEAD, date(1980, 5, 1), 13812345678, "人民大街1号", "户主"])
    sheet.append([2, "李娜", WIFE, 30104, "139 0000 0001", "人民大街1号", "妻子"])
    sheet.append([3, "张三", 2.20102198001011e17, None, None, "人民大街2号", "户主"])
    sheet.append([None] * 7)
    sheet.append(["合计", "3人"])
    book.save(path)
    return ImportFile(path, path.name)


def test_an_xlsx_roster_with_titles_is_imported(db: Session, tmp_path: Path) -> None:
    source = community_workbook(tmp_path / "花名册.xlsx")
    batch = run_import(db, actor=actor_of(db, "admin"), source=source, area_code=GRID1)
    counts = batch.counts
    assert (counts["added"], counts["rejected"], counts["ignored"]) == (2, 1, 2)
    assert counts["header_row"] == 4
    wife = db.scalar(select(Person).where(Person.id_number == WIFE))
    assert wife is not None
    assert (wife.phone, wife.relation, wife.birth_date) == ("13900000001", "spouse",
                                                            date(1982, 6, 2))


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-8"])
def test_csv_in_each_encoding(db: Session, tmp_path: Path, encoding: str) -> None:
    text = f"姓名,身份证号,住址\n王伟,{HEAD},人民大街１号\n"
    path = tmp_path / "roster.csv"
    path.write_bytes(text.encode(encoding))
    batch = run_import(db, actor=actor_of(db, "admin"), source=ImportFile(path, path.name),
                       area_code=GRID1)
    assert batch.counts["added"] == 1
    person = db.scalar(select(Person).where(Person.id_number == HEAD))
    assert person is not None
    assert person.name == "王伟"


def _refused(db: Session, path: Path, name: str, code: str, **options: int) -> None:
    before = db.scalar(select(func.count()).select_from(ImportBatch))
    with pytest.raises(DomainError) as caught:
        run_import(db, actor=actor_of(db, "admin"), source=ImportFile(path, name),
                   area_code=GRID1, **options)  # type: ignore[arg-type]
    assert caught.value.code == code
    assert db.scalar(select(func.count()).select_from(ImportBatch)) == before


def test_corrupt_and_protected_files_are_refused(db: Session, tmp_path: Path) -> None:
    good = community_workbook(tmp_path / "good.xlsx").path.read_bytes()
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(good[: len(good) // 2])
    _refused(db, broken, "broken.xlsx", "tabular.unreadable")
    locked = tmp_path / "locked.xlsx"
    locked.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
                       + "EncryptedPackage".encode("utf-16-le") + bytes(4000))
    _refused(db, locked, "加密.xlsx", "tabular.encrypted")


def test_empty_and_headerless_files_are_refused(db: Session, tmp_path: Path) -> None:
    empty = tmp_path / "empty.xlsx"
    Workbook().save(empty)
    _refused(db, empty, "empty.xlsx", "tabular.empty")
    blank = tmp_path / "blank.csv"
    blank.write_bytes(b"\r\n\r\n")
    _refused(db, blank, "blank.csv", "tabular.empty")
    headerless = tmp_path / "list.csv"
    headerless.write_text("编号,数量\n1,2\n", encoding="utf-8")
    _refused(db, headerless, "list.csv", "tabular.no_header")


def test_a_file_over_the_limit_is_refused_before_it_is_read(db: Session, tmp_path: Path) -> None:
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as handle:  # 200 MB, sparse: the size is all that is looked at
        handle.truncate(200 * 1024 * 1024)
    _refused(db, huge, "huge.csv", "registry.import_too_large")
    with pytest.raises(FileTooLarge) as caught:
        run_import(db, actor=actor_of(db, "admin"), source=ImportFile(huge, "huge.csv"),
                   area_code=GRID1, max_mb=150)
    assert caught.value.params == {"size": 200, "limit": 150}


def _rich_workbook() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "人员"
    sheet.append(["姓名", "出生日期", "数", "真", "备注"])
    sheet.append(["王&伟<1>", datetime(1980, 5, 1), 3.5, True, "a\nb"])  # noqa: DTZ001
    sheet["A3"] = "李娜"
    sheet["C3"] = 42
    sheet["E3"] = "=1+1"
    sheet["B4"] = date(2020, 2, 3)
    sheet["B4"].number_format = "yyyy年m月d日"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_the_streaming_reader_reads_what_calamine_reads(tmp_path: Path) -> None:
    path = tmp_path / "rich.xlsx"
    path.write_bytes(_rich_workbook())
    with open_xlsx_stream(path) as streamed, open_table(path, "rich.xlsx") as loaded:
        ours = [(row.number, row.cells) for row in streamed]
        theirs = [(row.number, row.cells) for row in loaded]
    assert ours[1] == (2, ["王&伟<1>", date(1980, 5, 1), 3.5, True, "a\nb"])
    assert ours[3] == (4, ["", date(2020, 2, 3)])
    assert [row[:len(mine)] for (_, mine), (_, row) in zip(ours, theirs, strict=True)] == [
        mine for _, mine in ours]


def test_a_large_xlsx_is_streamed_with_its_sheet_chosen(tmp_path: Path) -> None:
    path = tmp_path / "two.xlsx"
    book = Workbook(write_only=True)
    book.create_sheet("说明")
    sheet = book.create_sheet("名单")
    sheet.append(["姓名", "住址"])
    for index in range(2000):
        sheet.append([f"人{index}", "人民大街1号"])
    book.save(path)
    with open_rows(ImportFile(path, "two.xlsx"), stream_over=0) as table:
        assert table.sheet == "名单"
        rows = list(table)
    assert len(rows) == 2001
    assert rows[-1].cells == ["人1999", "人民大街1号"]


def test_an_xls_roster_is_imported(db: Session, tmp_path: Path) -> None:
    path = tmp_path / "花名册.xls"
    path.write_bytes(xls_bytes([
        ["幸福社区居民花名册"], [], ["姓名", "身份证号码", "联系电话", "住址"],
        ["王伟", HEAD, 13812345678.0, "人民大街1号"],
        ["李娜", 2.20102198206e17, None, "人民大街1号"], ["合计", "2人"],
    ], sheet="花名册"))
    batch = run_import(db, actor=actor_of(db, "admin"), source=ImportFile(path, path.name),
                       area_code=GRID1)
    counts = batch.counts
    assert (counts["header_row"], counts["added"], counts["rejected"], counts["ignored"]) == (
        3, 1, 1, 1)
    person = db.scalar(select(Person).where(Person.id_number == HEAD))
    assert person is not None
    assert person.phone == "13812345678"
