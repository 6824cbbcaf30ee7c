"""`fangkong registry import` and `fangkong registry demo-population`, inside the test's
transaction (the command's sessions replaced by the test's)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from registry_helpers import GRID1, counted_write_turns, resident_id
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fangkong.registry import cli
from fangkong.registry.importer_source import MEGABYTE
from fangkong.registry.models import GridCounter, Household, ImportBatch, Person

runner = CliRunner()
HEAD = resident_id(date(1980, 5, 1), 11)


@pytest.fixture
def in_test_session(db: Session, monkeypatch: pytest.MonkeyPatch) -> Session:
    @contextmanager
    def session() -> Iterator[Session]:
        yield db
        db.flush()

    monkeypatch.setattr(cli, "open_session", session)
    monkeypatch.setattr(cli, "unit_of_work", session)
    return db


def roster(tmp_path: Path) -> Path:
    path = tmp_path / "花名册.csv"
    path.write_text(f"姓名,身份证号,住址\n王伟,{HEAD},人民大街1号\n李娜,123,人民大街1号\n",
                    encoding="gb18030")
    return path


def test_import_prints_a_summary_writes_the_rejected_rows_and_exits_1(
    in_test_session: Session, tmp_path: Path
) -> None:
    rejected = tmp_path / "rejected.xlsx"
    result = runner.invoke(cli.app, ["import", str(roster(tmp_path)), "--area", GRID1,
                                     "--workers", "0", "--rejected", str(rejected)])
    assert result.exit_code == 1, result.output
    assert "新增" in result.output
    assert "未导入" in result.output
    assert in_test_session.scalar(select(Person.name).where(Person.id_number == HEAD)) == "王伟"
    sheet = load_workbook(rejected).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("姓名", "身份证号", "住址", "原因")
    assert rows[1][:3] == ("李娜", "123", "人民大街1号")


def test_a_clean_second_import_exits_0_with_everything_unchanged(
    in_test_session: Session, tmp_path: Path
) -> None:
    path = tmp_path / "clean.csv"
    path.write_text(f"姓名,身份证号,住址\n王伟,{HEAD},人民大街1号\n", encoding="utf-8")
    first = runner.invoke(cli.app, ["import", str(path), "--area", GRID1])  # checked apart
    assert first.exit_code == 0, first.output
    second = runner.invoke(cli.app, ["import", str(path), "--area", GRID1, "--workers", "0"])
    assert second.exit_code == 0, second.output
    latest = in_test_session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()))
    assert latest is not None
    assert (latest.counts["unchanged"], latest.counts["added"]) == (1, 0)


def test_refused_files_and_unknown_areas_exit_2(in_test_session: Session,
                                               tmp_path: Path) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04not really a workbook")
    result = runner.invoke(cli.app, ["import", str(broken), "--area", GRID1])
    assert result.exit_code == 2
    assert "tabular.unreadable" in result.output
    outside = runner.invoke(cli.app, ["import", str(roster(tmp_path)), "--area", GRID1,
                                      "--as", "grid2"])
    assert outside.exit_code == 2
    assert "not_found" in outside.output


def test_demo_population_fills_the_grids_once(in_test_session: Session) -> None:
    result = runner.invoke(cli.app, ["demo-population", "--persons", "300", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "300 persons added" in result.output
    persons = in_test_session.scalar(select(func.count()).select_from(Person))
    assert persons == 300
    households = in_test_session.scalar(select(func.count()).select_from(Household))
    counted = in_test_session.scalar(select(func.sum(GridCounter.persons)))
    assert counted == 300
    assert in_test_session.scalar(select(func.sum(GridCounter.households))) == households
    again = runner.invoke(cli.app, ["demo-population", "--persons", "300"])
    assert "already there" in again.output


def test_the_size_limit_comes_from_the_settings_and_max_mb_overrides_it(
    in_test_session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FANGKONG_IMPORT_MAX_MB", "1")
    path = tmp_path / "big.csv"
    path.write_bytes(f"姓名,身份证号,住址\n王伟,{HEAD},人民大街1号\n".encode()
                     + b"\n" * (MEGABYTE + 64 * 1024))
    refused = runner.invoke(cli.app, ["import", str(path), "--area", GRID1, "--workers", "0"])
    assert refused.exit_code == 2, refused.output
    assert "registry.import_too_large" in refused.output
    accepted = runner.invoke(cli.app, ["import", str(path), "--area", GRID1, "--workers", "0",
                                       "--max-mb", "2"])
    assert accepted.exit_code == 0, accepted.output
    assert in_test_session.scalar(select(Person.name).where(Person.id_number == HEAD)) == "王伟"


@pytest.mark.parametrize(("options", "transactions"), [
    ([], 1), (["--batch-size", "1", "--commit-rows", "1"], 3)])
def test_rows_per_transaction_can_be_chosen(
    in_test_session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    options: list[str], transactions: int,
) -> None:
    turns = counted_write_turns(monkeypatch)
    result = runner.invoke(cli.app, ["import", str(roster(tmp_path)), "--area", GRID1,
                                     "--workers", "0", *options])
    assert result.exit_code == 1, result.output  # one row of the two is rejected
    assert len(turns) == transactions  # rows 2, 3 and the end of the file, or all at once
