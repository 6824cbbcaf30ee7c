"""`fangkong quarantine sweep` inside the test's transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from quarantine_helpers import at_local, days_ago, members_of
from quarantine_helpers import quarantine as start
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fangkong.quarantine import cli
from fangkong.quarantine.models import Alert
from fangkong.registry.models import Household
from fangkong.settings import Settings

runner = CliRunner()


@pytest.fixture
def in_test_session(db: Session, monkeypatch: pytest.MonkeyPatch) -> Session:
    @contextmanager
    def unit_of_work(_settings: Settings) -> Iterator[Session]:
        yield db
        db.flush()

    monkeypatch.setattr(cli, "unit_of_work", unit_of_work)
    return db


def test_the_sweep_raises_missed_checks_once(in_test_session: Session,
                                             household: Household) -> None:
    db = in_test_session
    row = start(db, members_of(db, household)[0], start=days_ago(2),
                now=at_local(days_ago(2), 5))
    first = runner.invoke(cli.app, ["sweep"])
    assert first.exit_code == 0, first.output
    assert "missed-check alerts raised" in first.output
    missed = list(db.scalars(select(Alert).where(Alert.quarantine_id == row.id,
                                                 Alert.kind == "missed_check")))
    assert len(missed) >= 4  # both windows of the two days before today
    again = runner.invoke(cli.app, ["sweep", "--area", row.area_code])
    assert again.exit_code == 0
    assert ": 0 missed-check alerts raised" in again.output
