"""After an administrator's reset, every page leads to the account page until the password
is changed; the API and the account pages themselves stay open."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fangkong.accounts.queries import get_user_by_username
from fangkong.demo import DEMO_PASSWORD


def test_every_page_leads_to_the_account_page_until_the_password_is_changed(
    as_user, db: Session,  # type: ignore[no-untyped-def]
) -> None:
    client: TestClient = as_user("nanling")
    user = get_user_by_username(db, "nanling")
    assert user is not None
    user.must_change_password = True
    db.commit()  # into the test's transaction, beyond the reach of a request's rollback
    for path in ("/areas", "/areas/220102001", "/registry/persons", "/reports/daily"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"] == "/account"
    assert client.get("/account").status_code == 200
    changed = client.post("/account/password", data={
        "csrf_token": client.cookies["fk_csrf"], "current_password": DEMO_PASSWORD,
        "new_password": "Jilin2020spring", "confirm_password": "Jilin2020spring",
    }, follow_redirects=False)
    assert changed.status_code in (200, 303), changed.text
    db.expire_all()
    assert not user.must_change_password
    assert client.get("/areas/220102001", follow_redirects=False).status_code == 200
