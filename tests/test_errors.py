"""Errors answer in one shape, in the user's language, and never as a server error for junk."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fangkong.accounts.actions import do_create_token
from fangkong.accounts.queries import get_user_by_username
from fangkong.scope import SYSTEM


def bearer(db: Session, username: str) -> dict[str, str]:
    user = get_user_by_username(db, username)
    assert user is not None
    _row, secret = do_create_token(db, actor=SYSTEM, user=user, name="errors test")
    db.commit()
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.parametrize("record_id", ["99999999999999999999999", "9223372036854775808",
                                       "2147483648"])
def test_an_id_beyond_the_database_range_is_simply_not_found(
    client: TestClient, db: Session, record_id: str
) -> None:
    response = client.get(f"/api/v1/users/{record_id}", headers=bearer(db, "admin"))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_api_errors_have_code_message_fields_in_chinese_by_default(
    client: TestClient, db: Session
) -> None:
    response = client.get("/api/v1/areas/220104", headers=bearer(db, "grid1"))
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "未找到。", "fields": {}}


def test_error_page_for_a_signed_in_user_names_them(as_user) -> None:  # type: ignore[no-untyped-def]
    client: TestClient = as_user("grid1")
    page = client.get("/areas/220104")
    assert page.status_code == 404
    assert "未找到" in page.text
    assert "网格员一" in page.text
