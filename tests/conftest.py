"""Shared fixtures: every database test runs on SQLite and on a real PostgreSQL server.

Each engine is migrated to head and given the demo city once per session; each test then runs
inside a transaction that is rolled back at its end (the app's commits become savepoints).
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from fangkong.app import create_app
from fangkong.areas.demo import DemoSize
from fangkong.db import make_engine, make_session_factory, transaction
from fangkong.demo import DEMO_PASSWORD, do_build_demo
from fangkong.migrations import upgrade
from fangkong.settings import Settings
from fangkong.web.deps import get_session, get_unit_session

PG_ADMIN_URL = os.environ.get(
    "FANGKONG_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
ENGINES = ("sqlite", "postgresql")


def pg_admin_engine() -> Engine:
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        pytest.exit(
            f"No PostgreSQL server at {engine.url.render_as_string(hide_password=True)}: start "
            "one, or point FANGKONG_TEST_PG_URL at one. The PostgreSQL tests are never skipped.\n"
            f"{error}",
            returncode=3,
        )
    return engine


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test session, dropped at its end."""
    admin = pg_admin_engine()
    name = f"fangkong_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def make_settings(url: str) -> Settings:
    return Settings(database_url=url, secret_key="test-secret-key-0123456789", debug=True)


@pytest.fixture(scope="session", params=ENGINES)
def settings(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "fangkong.db"
        return make_settings(f"sqlite:///{path}")
    url: str = request.getfixturevalue("pg_url")
    return make_settings(url)


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Iterator[Engine]:
    """The engine, migrated to head, with the demo city and its personas committed."""
    engine = make_engine(settings)
    upgrade(engine)
    from fangkong.db import make_session_factory  # noqa: PLC0415

    with transaction(make_session_factory(engine)) as session:
        do_build_demo(session, size=DemoSize(2, 2), seed=2020)
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction rolled back at the end of the test."""
    connection = engine.connect()
    outer = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint",
                      expire_on_commit=False)
    yield session
    session.close()
    outer.rollback()
    connection.close()


@pytest.fixture(scope="session")
def app(settings: Settings, engine: Engine) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI, db: Session) -> Iterator[TestClient]:
    """An HTTP client whose requests use the test's session (commits become savepoints)."""

    def test_session() -> Iterator[Session]:
        try:
            yield db
            db.commit()
        except BaseException:
            db.rollback()
            raise

    app.dependency_overrides[get_session] = test_session
    app.dependency_overrides[get_unit_session] = test_session
    with TestClient(app, base_url="http://testserver") as test_client:
        yield test_client
    app.dependency_overrides.clear()


CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(client: TestClient) -> str:
    """The CSRF token the client holds (the double-submit cookie), fetching a page if needed."""
    token = client.cookies.get("fk_csrf")
    if token is None:
        client.get("/login")
        token = client.cookies.get("fk_csrf")
    assert token
    return token


def login(client: TestClient, username: str, password: str = DEMO_PASSWORD) -> None:
    """Sign the client in through the login form, as a person would."""
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


@pytest.fixture
def as_user(client: TestClient):  # type: ignore[no-untyped-def]
    """`as_user("grid1")` signs the client in as a demo persona and returns the client."""

    def sign_in(username: str) -> TestClient:
        client.cookies.clear()
        login(client, username)
        return client

    return sign_in


def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


@pytest.fixture
def cli_city(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[sessionmaker[Session]]:
    """A migrated SQLite file with a small demo city, named by FANGKONG_DATABASE_URL for the
    CLI commands a test runs; sessions on it."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("FANGKONG_DATABASE_URL", url)
    monkeypatch.setenv("COLUMNS", "200")
    engine = make_engine(Settings(database_url=url))
    upgrade(engine)
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        do_build_demo(session, size=DemoSize(1, 1))
    yield factory
    engine.dispose()
