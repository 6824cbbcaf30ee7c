"""Settings read from FANGKONG_* variables: the import size limit and the uploads folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from fangkong.registry.importer_source import import_dir
from fangkong.settings import Settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FANGKONG_IMPORT_MAX_MB", "FANGKONG_UPLOADS_DIR", "FANGKONG_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


def test_the_import_limit_and_the_uploads_folder_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FANGKONG_IMPORT_MAX_MB", "25")
    monkeypatch.setenv("FANGKONG_UPLOADS_DIR", str(tmp_path / "uploads"))
    settings = Settings(_env_file=None)
    assert settings.import_max_mb == 25
    assert settings.uploads_dir == tmp_path / "uploads"


def test_without_them_a_file_may_be_180_mb_and_there_is_no_uploads_folder() -> None:
    settings = Settings(_env_file=None)
    assert settings.import_max_mb == 180
    assert settings.uploads_dir is None


@pytest.mark.parametrize("value", ["0", "-3"])
def test_an_import_limit_below_1_mb_is_refused(monkeypatch: pytest.MonkeyPatch,
                                              value: str) -> None:
    monkeypatch.setenv("FANGKONG_IMPORT_MAX_MB", value)
    with pytest.raises(ValidationError, match="import_max_mb"):
        Settings(_env_file=None)


def test_imports_wait_in_the_uploads_folder_when_it_is_set(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'city.db'}",
                        uploads_dir=tmp_path / "uploads")
    assert import_dir(settings) == tmp_path / "uploads" / "imports"


def test_else_beside_the_sqlite_database_or_in_var(tmp_path: Path) -> None:
    beside = Settings(database_url=f"sqlite:///{tmp_path / 'city.db'}")
    assert import_dir(beside) == tmp_path / "imports"
    server = Settings(database_url="postgresql+psycopg://user@host/db")
    assert import_dir(server) == Path("var") / "imports"
