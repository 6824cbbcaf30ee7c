"""`fangkong testing import FILE --lab NAME` against a temporary SQLite database."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from testing_helpers import collect, hours_ago, make_persons, stamp, write_csv
from typer.testing import CliRunner

from fangkong.cli import app
from fangkong.db import transaction
from fangkong.registry.importer_source import MEGABYTE
from fangkong.testing.models import ResultEntry, Sample

runner = CliRunner()


@pytest.fixture
def factory(cli_city: sessionmaker[Session]) -> sessionmaker[Session]:
    """The small demo city with two tubes in grid2's grid."""
    with transaction(cli_city) as session:
        persons = make_persons(session, count=2, first=100)
        for index, person in enumerate(persons, start=1):
            collect(session, [person], f"CLI-{index:04d}", at=hours_ago(6))
    return cli_city


def test_import_twice_with_a_rejected_row(factory: sessionmaker[Session], tmp_path: Path) -> None:
    path = write_csv(tmp_path / "检测结果.csv", [
        ["CLI-0001", "阴性", stamp(hours_ago(1)), ""],
        ["CLI-0002", "阳性", stamp(hours_ago(1)), ""],
        ["CLI-9999", "阴性", stamp(hours_ago(1)), ""],
    ])
    rejected = tmp_path / "rejected.xlsx"
    first = runner.invoke(app, ["testing", "import", str(path), "--lab", "市检验中心",
                                "--rejected", str(rejected), "--as", "hospital"])
    assert first.exit_code == 1, first.output
    assert "新增结果" in first.output
    assert "新增阳性" in first.output
    assert rejected.read_bytes().startswith(b"PK")
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(ResultEntry)) == 2
        results = dict(session.execute(select(Sample.tube_code, Sample.result)).all())
    assert results == {"CLI-0001": "negative", "CLI-0002": "positive"}
    again = runner.invoke(app, ["testing", "import", str(path), "--lab", "市检验中心"])
    assert again.exit_code == 1, again.output
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(ResultEntry)) == 2


def test_a_file_without_its_columns_is_refused(factory: sessionmaker[Session],
                                               tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("姓名,电话\n张三,13900000000\n", encoding="utf-8")
    result = runner.invoke(app, ["testing", "import", str(path), "--lab", "中心"])
    assert result.exit_code == 2, result.output
    assert "tabular.no_header" in result.output


def test_the_size_limit_comes_from_the_settings_and_max_mb_overrides_it(
    factory: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FANGKONG_IMPORT_MAX_MB", "1")
    path = write_csv(tmp_path / "big.csv", [["CLI-0001", "阴性", stamp(hours_ago(1)), ""]])
    path.write_bytes(path.read_bytes() + b"\n" * (MEGABYTE + 64 * 1024))
    refused = runner.invoke(app, ["testing", "import", str(path), "--lab", "中心"])
    assert refused.exit_code == 2, refused.output
    assert "registry.import_too_large" in refused.output
    accepted = runner.invoke(app, ["testing", "import", str(path), "--lab", "中心",
                                   "--max-mb", "2"])
    assert accepted.exit_code == 0, accepted.output
    with factory() as session:
        assert session.scalar(select(Sample.result).where(Sample.tube_code == "CLI-0001")) \
            == "negative"
