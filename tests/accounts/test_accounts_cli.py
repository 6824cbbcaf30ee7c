"""`fangkong user add|list|disable|reset-password` against a temporary SQLite database."""

from __future__ import annotations

import re

import pytest
from accounts_helpers import (
    PASSWORD,
    fast_hashing,  # noqa: F401 - an autouse fixture
)
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from fangkong.accounts.models import AuditEntry, User
from fangkong.accounts.queries import get_user_by_username
from fangkong.accounts.security import verify_password
from fangkong.cli import app

runner = CliRunner()


@pytest.fixture
def factory(cli_city: sessionmaker[Session]) -> sessionmaker[Session]:
    return cli_city


def stored(factory: sessionmaker[Session], username: str) -> User:
    with factory() as session:
        found = get_user_by_username(session, username)
        assert found is not None
        return found


def add(*extra: str, password: str | None = PASSWORD, name: str = "cliuser") -> list[str]:
    args = ["user", "add", name, "--name", "命令行用户", "--role", "grid_worker",
            "--area", "220102001001001", *extra]
    return [*args, "--password", password] if password else args


def test_add_a_user(factory: sessionmaker[Session]) -> None:
    result = runner.invoke(app, add("--phone", "13900000000"))
    assert result.exit_code == 0, result.output
    assert "cliuser" in result.output
    user = stored(factory, "cliuser")
    assert (user.role, user.area_code, user.phone) == ("grid_worker", "220102001001001",
                                                       "13900000000")
    assert verify_password(user.password_hash, PASSWORD)
    with factory() as session:
        entry = session.scalar(select(AuditEntry).where(
            AuditEntry.action == "create", AuditEntry.record_id == str(user.id)))
    assert entry is not None
    assert entry.actor_name == "system"


def test_add_prompts_for_the_password(factory: sessionmaker[Session]) -> None:
    result = runner.invoke(app, add(password=None), input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert verify_password(stored(factory, "cliuser").password_hash, PASSWORD)


@pytest.mark.parametrize(("args", "message"), [
    (add(name="grid1"), "此用户名已被占用"),
    (add("--area", "990000"), "area_code"),
    (add(password="short1"), "密码至少需要 10 个字符"),
    (add(name="Bad Name"), "username"),
])
def test_add_refuses_bad_input(
    factory: sessionmaker[Session], args: list[str], message: str
) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert message in result.output
    with factory() as session:
        assert get_user_by_username(session, "cliuser") is None


def test_add_refuses_an_unknown_role(factory: sessionmaker[Session]) -> None:
    result = runner.invoke(app, ["user", "add", "x1x", "--name", "x", "--role", "emperor",
                                 "--area", "2201", "--password", PASSWORD])
    assert result.exit_code == 2


def test_list_users_by_role_and_area(factory: sessionmaker[Session]) -> None:
    commanders = runner.invoke(app, ["user", "list", "--role", "commander"])
    assert commanders.exit_code == 0, commanders.output
    assert "nanguan" in commanders.output
    assert "city" in commanders.output
    assert "grid1" not in commanders.output
    chaoyang = runner.invoke(app, ["user", "list", "--area", "220104"])
    assert "grid2" in chaoyang.output
    assert "hospital" in chaoyang.output
    assert "nanguan" not in chaoyang.output
    everyone = runner.invoke(app, ["user", "list"])
    assert "users (11)" in everyone.output


def test_disable_a_user(factory: sessionmaker[Session]) -> None:
    result = runner.invoke(app, ["user", "disable", "grid1"])
    assert result.exit_code == 0, result.output
    assert not stored(factory, "grid1").is_active
    missing = runner.invoke(app, ["user", "disable", "nobody"])
    assert missing.exit_code == 1
    assert "不存在此用户名的用户" in missing.output


def test_reset_a_password(factory: sessionmaker[Session]) -> None:
    result = runner.invoke(app, ["user", "reset-password", "grid2"])
    assert result.exit_code == 0, result.output
    match = re.search(r"temporary password for grid2: (\S+)", result.output)
    assert match is not None
    user = stored(factory, "grid2")
    assert verify_password(user.password_hash, match.group(1))
    assert user.must_change_password
