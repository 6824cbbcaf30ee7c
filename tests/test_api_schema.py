"""Schemathesis over the OpenAPI document, in process, as the administrator with a bearer token:
whatever valid or invalid input an operation gets, it never answers a server error.

Bounded so the suite stays quick: a fixed seed, deterministic generation, at most
`MAX_EXAMPLES` generated cases per operation besides the examples and coverage phases (about
65 requests per operation in all), no shrinking, no stateful phase. Each operation is one test;
its requests share the test's session, rolled back at its end. It runs on SQLite only: on both
engines it would take several minutes more, and the engines' differences are the other tests'
business. (The document is read from an app made for the purpose and the calls go to the
test's app, because `schemathesis.pytest.from_fixture` trips over pytest 9's nodes.)
"""

from __future__ import annotations

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from sqlalchemy.orm import Session

from fangkong.accounts.actions import do_create_token
from fangkong.accounts.queries import get_user_by_username
from fangkong.app import API_PREFIX, create_app
from fangkong.scope import SYSTEM
from fangkong.settings import Settings

MAX_EXAMPLES = 20
CONFIG = SchemathesisConfig.from_dict({
    "seed": 2020,
    "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True,
                   "no-shrink": True},
    "phases": {"stateful": {"enabled": False}},
})
pytestmark = pytest.mark.parametrize("settings", ["sqlite"], indirect=True)


@pytest.fixture
def admin_headers(db: Session) -> dict[str, str]:
    admin = get_user_by_username(db, "admin")
    assert admin is not None
    _row, secret = do_create_token(db, actor=SYSTEM, user=admin, name="schemathesis")
    db.commit()  # out of reach of the rollbacks of requests that fail
    return {"Authorization": f"Bearer {secret}"}


DOCUMENT = create_app(Settings(database_url="sqlite://")).openapi()
schema = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG)


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_operation_answers_a_server_error(
    case: schemathesis.Case, app: FastAPI, client: TestClient, admin_headers: dict[str, str]
) -> None:
    """`client` makes the app use the test's session for every request."""
    case.call_and_validate(app=app, headers=admin_headers, checks=[not_a_server_error])


def test_the_document_describes_the_api(app: FastAPI) -> None:
    assert DOCUMENT["paths"], "the OpenAPI document lists no operations"
    assert all(path.startswith(API_PREFIX) for path in DOCUMENT["paths"])
    assert app.openapi()["paths"].keys() == DOCUMENT["paths"].keys()
