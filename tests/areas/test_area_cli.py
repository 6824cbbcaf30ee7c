"""`fangkong areas import|export` inside the test's transaction."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fangkong.areas import cli
from fangkong.areas.models import Area

runner = CliRunner()


@pytest.fixture
def in_test_session(db: Session, monkeypatch: pytest.MonkeyPatch) -> Session:
    @contextmanager
    def unit_of_work() -> Iterator[Session]:
        yield db
        db.flush()

    monkeypatch.setattr(cli, "unit_of_work", unit_of_work)
    return db


def test_export_then_import_again_changes_nothing(in_test_session: Session,
                                                  tmp_path: Path) -> None:
    target = tmp_path / "nanling.csv"
    exported = runner.invoke(cli.app, ["export", str(target), "--under", "220102001"])
    assert exported.exit_code == 0, exported.output
    assert "7 areas written" in exported.output
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0] == ["code", "name", "level", "parent_code", "population"]
    assert rows[1][:4] == ["220102001", "南岭街道", "street", "220102"]
    again = runner.invoke(cli.app, ["import", str(target)])
    assert again.exit_code == 0, again.output
    assert "7" in again.output
    assert "unchanged" in again.output


def test_import_with_rejections_exits_1_and_writes_them(in_test_session: Session,
                                                         tmp_path: Path) -> None:
    source = tmp_path / "new.csv"
    source.write_text("代码,名称\n220102089,命令行街道\n220177001,无父街道\n", encoding="gb18030")
    rejected = tmp_path / "rejected.csv"
    result = runner.invoke(cli.app, ["import", str(source), "--rejected", str(rejected)])
    assert result.exit_code == 1, result.output
    assert in_test_session.get(Area, "220102089") is not None
    assert "220177001" in result.output
    text = rejected.read_text(encoding="utf-8-sig")
    assert "220177001" in text
    assert "220177" in text


def test_unreadable_file_exits_2(in_test_session: Session, tmp_path: Path) -> None:
    source = tmp_path / "broken.xlsx"
    source.write_bytes(b"PK\x03\x04not really a workbook")
    result = runner.invoke(cli.app, ["import", str(source)])
    assert result.exit_code == 2
    assert "tabular.unreadable" in result.output
