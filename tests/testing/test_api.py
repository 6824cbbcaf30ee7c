"""The testing API: collect, read, results, import, positives and retests, scope (404)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from testing_helpers import (
    GRID1,
    GRID2,
    collect,
    csrf_headers,
    hours_ago,
    make_persons,
    resident_id,
    stamp,
    write_csv,
)

API = "/api/v1/testing"


def test_collect_read_and_record_a_pooled_tube(db: Session, as_user) -> None:  # type: ignore[no-untyped-def]
    persons = make_persons(db, count=3, first=900)
    client: TestClient = as_user("hospital")
    headers = csrf_headers(client)
    body = {"tube_code": "API-POOL-01", "pool": "pool10", "person_ids": [persons[0].id],
            "id_numbers": [resident_id(901), resident_id(902)],
            "collected_at": hours_ago(5).isoformat(), "collected_where": "社区采样点"}
    created = client.post(f"{API}/samples", json=body, headers=headers)
    assert created.status_code == 201, created.text
    sample = created.json()
    assert (sample["pooled"], sample["persons"], sample["result"]) == (True, 3, "pending")
    assert all("*" in member["id_number"] for member in sample["members"])
    again = client.post(f"{API}/samples", json=body, headers=headers)
    assert (again.status_code, again.json()["code"]) == (409, "testing.tube_exists")
    assert "tube_code" in again.json()["fields"]

    result = client.post(f"{API}/samples/{sample['id']}/results", headers=headers, json={
        "result": "positive", "reported_at": hours_ago(1).isoformat(), "lab": "市检验中心"})
    assert result.status_code == 200, result.text
    assert (result.json()["outcome"], result.json()["sample"]["result"]) == ("added", "positive")
    retests = client.get(f"{API}/retests").json()
    assert {item["person_id"] for item in retests["items"]} >= {p.id for p in persons}
    detail = client.get(f"{API}/samples/{sample['id']}").json()
    assert [entry["result"] for entry in detail["results"]] == ["positive"]
    listed = client.get(f"{API}/samples", params={"tube": "API-POOL"}).json()
    assert [item["tube_code"] for item in listed["items"]] == ["API-POOL-01"]


def test_positives_are_listed_and_handled(db: Session, as_user) -> None:  # type: ignore[no-untyped-def]
    (person,) = make_persons(db, first=910)
    sample = collect(db, [person], "API-ONE-01", at=hours_ago(5))
    client: TestClient = as_user("hospital")
    headers = csrf_headers(client)
    client.post(f"{API}/samples/{sample.id}/results", headers=headers, json={
        "result": "positive", "reported_at": hours_ago(1).isoformat(), "lab": "中心"})
    positives = client.get(f"{API}/positives").json()["items"]
    mine = next(item for item in positives if item["sample_id"] == sample.id)
    assert (mine["person_id"], mine["status"], mine["tube_code"]) == (person.id, "open",
                                                                      "API-ONE-01")
    handled = client.post(f"{API}/positives/{mine['id']}/handle", headers=headers,
                          json={"note": "已转运定点医院"})
    assert handled.status_code == 200, handled.text
    assert handled.json()["status"] == "handled"
    grid_worker = as_user("grid2")
    assert any(item["id"] == mine["id"] for item in grid_worker.get(
        f"{API}/positives", params={"status": "handled"}).json()["items"])
    assert grid_worker.post(f"{API}/positives/{mine['id']}/handle", headers=csrf_headers(
        grid_worker), json={"note": "x"}).status_code == 403


def test_out_of_scope_answers_404(db: Session, as_user) -> None:  # type: ignore[no-untyped-def]
    (person,) = make_persons(db, GRID1, first=920)
    sample = collect(db, [person], "API-FAR-01", at=hours_ago(5))
    client: TestClient = as_user("hospital")
    assert client.get(f"{API}/samples/{sample.id}").status_code == 404
    assert client.get(f"{API}/samples/987654321").status_code == 404
    assert client.post(f"{API}/samples/{sample.id}/results", headers=csrf_headers(client),
                       json={"result": "negative"}).status_code == 404
    body = {"tube_code": "API-FAR-02", "person_ids": [person.id]}
    assert client.post(f"{API}/samples", json=body,
                       headers=csrf_headers(client)).status_code == 404


def test_import_a_lab_file(db: Session, as_user, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    persons = make_persons(db, count=2, first=930)
    collect(db, [persons[0]], "API-LAB-01", at=hours_ago(5))
    collect(db, [persons[1]], "API-LAB-02", at=hours_ago(5))
    path = write_csv(tmp_path / "lab.csv", [
        ["API-LAB-01", "阴性", stamp(hours_ago(1)), "中心"],
        ["API-LAB-03", "阴性", stamp(hours_ago(1)), "中心"],
    ])
    client: TestClient = as_user("hospital")
    with path.open("rb") as handle:
        answer = client.post(f"{API}/import", headers=csrf_headers(client),
                             files={"file": ("lab.csv", handle, "text/csv")},
                             data={"lab": "中心"})
    assert answer.status_code == 200, answer.text
    read = answer.json()
    assert (read["counts"]["added"], read["counts"]["rejected"]) == (1, 1)
    assert client.get(read["rejected_url"]).status_code == 200
    assert client.get(f"{API}/imports/{read['id']}").json()["status"] == "done"
    assert as_user("grid2").get(f"{API}/imports/{read['id']}").status_code == 403


def test_figures_of_my_area(db: Session, as_user) -> None:  # type: ignore[no-untyped-def]
    (person,) = make_persons(db, first=940)
    collect(db, [person], "API-FIG-01", at=hours_ago(0.5))
    client: TestClient = as_user("hospital")
    figures = client.get(f"{API}/figures").json()
    assert set(figures) <= {code for code in figures if code.startswith("220104")}
    assert figures["220104001"]["pending"] >= 1
    assert client.get(f"{API}/figures", params={"area": "220102"}).status_code == 404
    assert GRID2.startswith("220104001")
