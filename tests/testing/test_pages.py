"""Testing pages: record a pooled tube through the form, record a result, import a lab file,
the positive and retest lists; forms keep what was typed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from testing_helpers import (
    ZONE,
    collect,
    hours_ago,
    make_persons,
    resident_id,
    stamp,
    write_csv,
)

from fangkong.registry.importer_source import MEGABYTE
from fangkong.registry.models import ImportBatch
from fangkong.settings import Settings
from fangkong.testing import import_pages
from fangkong.testing.lab_import import run_lab_import
from fangkong.testing.models import Sample


def form(client: TestClient, **fields: object) -> dict[str, object]:
    return {"csrf_token": client.cookies.get("fk_csrf"), **fields}


def test_record_a_pooled_tube_and_its_result(db: Session, as_user) -> None:  # type: ignore[no-untyped-def]
    persons = make_persons(db, count=3, first=950, names=("甲一", "乙二", "丙三"))
    client: TestClient = as_user("hospital")
    page = client.get("/testing/samples/new")
    assert page.status_code == 200
    found = client.get("/testing/persons", params={"q": resident_id(950)})
    assert "甲一" in found.text
    assert f"/testing/persons/{persons[0].id}/chip" in found.text
    chip = client.get(f"/testing/persons/{persons[0].id}/chip")
    assert f'value="{persons[0].id}"' in chip.text
    answer = client.post("/testing/samples/new", data=form(
        client, tube_code="PAGE-POOL-01", pool="pool10", kind="nucleic_acid", reason="mass",
        person_ids=[str(persons[0].id), str(persons[1].id)], id_numbers=resident_id(952),
        collected_at=hours_ago(3).astimezone(ZONE).strftime("%Y-%m-%dT%H:%M"),
        collected_where="广场"), follow_redirects=False)
    assert answer.status_code == 303, answer.text
    sample_page = client.get(answer.headers["location"])
    assert "PAGE-POOL-01" in sample_page.text
    assert "丙三" in sample_page.text
    sample = db.scalars(select(Sample).where(Sample.tube_code == "PAGE-POOL-01")).one()
    result = client.post(f"/testing/samples/{sample.id}/results", data=form(
        client, result="positive", lab="市检验中心",
        reported_at=hours_ago(1).astimezone(ZONE).strftime("%Y-%m-%dT%H:%M")),
        follow_redirects=False)
    assert result.status_code == 303, result.text
    retests = client.get("/testing/retests")
    assert all(name in retests.text for name in ("甲一", "乙二", "丙三"))


def test_a_bad_form_keeps_what_was_typed(db: Session, as_user) -> None:  # type: ignore[no-untyped-def]
    persons = make_persons(db, count=2, first=960, names=("丁四", "戊五"))
    client: TestClient = as_user("hospital")
    answer = client.post("/testing/samples/new", data=form(
        client, tube_code="PAGE-ONE-01", pool="single",
        person_ids=[str(person.id) for person in persons], collected_where="楼下"))
    assert answer.status_code == 422
    assert 'value="PAGE-ONE-01"' in answer.text
    assert "楼下" in answer.text
    assert "丁四" in answer.text
    assert "戊五" in answer.text
    assert "field-error" in answer.text


def test_a_positive_appears_on_the_list_and_is_handled(db: Session, as_user) -> None:  # type: ignore[no-untyped-def]
    (person,) = make_persons(db, first=970, names=("己六",))
    sample = collect(db, [person], "PAGE-ONE-02", at=hours_ago(5))
    client: TestClient = as_user("hospital")
    client.post(f"/testing/samples/{sample.id}/results", data=form(
        client, result="positive", lab="中心",
        reported_at=hours_ago(1).astimezone(ZONE).strftime("%Y-%m-%dT%H:%M")))
    listed = client.get("/testing/positives")
    assert "己六" in listed.text
    assert "PAGE-ONE-02" in listed.text
    positive_id = re.search(r"/testing/positives/(\d+)/handle", listed.text)
    assert positive_id is not None
    done = client.post(f"/testing/positives/{positive_id[1]}/handle",
                       data=form(client, note="已转运"), follow_redirects=False)
    assert done.status_code == 303
    assert "已转运" in client.get("/testing/positives?status=handled").text


def test_import_page(db: Session, as_user, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (person,) = make_persons(db, first=980)
    collect(db, [person], "PAGE-LAB-01", at=hours_ago(5))
    path = write_csv(tmp_path / "lab.csv", [["PAGE-LAB-01", "阴性", stamp(hours_ago(1)), ""],
                                            ["NOPE-0001", "阴性", stamp(hours_ago(1)), ""]])
    client: TestClient = as_user("hospital")
    assert client.get("/testing/import").status_code == 200
    with path.open("rb") as handle:
        answer = client.post("/testing/import", data=form(client, lab="区疾控"),
                             files={"file": ("lab.csv", handle, "text/csv")},
                             follow_redirects=False)
    assert answer.status_code == 303, answer.text
    summary = client.get(answer.headers["location"])
    assert 'data-stat="added">1<' in summary.text
    assert 'data-stat="rejected">1<' in summary.text
    download = client.get(answer.headers["location"] + "/rejected.xlsx")
    assert download.status_code == 200
    assert download.content.startswith(b"PK")
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with bad.open("rb") as handle:
        refused = client.post("/testing/import", data=form(client),
                              files={"file": ("bad.csv", handle, "text/csv")})
    assert refused.status_code == 422
    assert "flash error" in refused.text


def test_samples_list_and_scope(db: Session, as_user) -> None:  # type: ignore[no-untyped-def]
    (person,) = make_persons(db, first=990)
    sample = collect(db, [person], "PAGE-LIST-01", at=hours_ago(5))
    assert "PAGE-LIST-01" in as_user("grid2").get("/testing").text
    assert as_user("grid1").get(f"/testing/samples/{sample.id}").status_code == 404
    assert as_user("checkpoint").get("/testing").status_code == 403


@pytest.fixture
def uploads_of_1_mb(app: FastAPI, tmp_path: Path) -> Iterator[Path]:
    """The app's settings with FANGKONG_IMPORT_MAX_MB=1 and FANGKONG_UPLOADS_DIR set, for this
    test; the uploads folder."""
    original: Settings = app.state.settings
    uploads = tmp_path / "uploads"
    app.state.settings = Settings.model_validate({**original.model_dump(), "import_max_mb": 1,
                                                  "uploads_dir": uploads})
    yield uploads
    app.state.settings = original


def test_a_lab_upload_follows_the_configured_limit_and_uploads_folder(  # type: ignore[no-untyped-def]
    db: Session, as_user, uploads_of_1_mb: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[Path, int]] = []

    def spy(*args: Any, **kwargs: Any) -> ImportBatch:
        seen.append((kwargs["source"].path, kwargs["max_mb"]))
        return run_lab_import(*args, **kwargs)

    monkeypatch.setattr(import_pages, "run_lab_import", spy)
    (person,) = make_persons(db, first=985)
    collect(db, [person], "PAGE-LAB-02", at=hours_ago(5))
    path = write_csv(tmp_path / "lab.csv", [["PAGE-LAB-02", "阴性", stamp(hours_ago(1)), ""]])
    client: TestClient = as_user("hospital")
    big = path.read_bytes() + b"\n" * (MEGABYTE + 64 * 1024)
    refused = client.post("/testing/import", data=form(client, lab="区疾控"),
                          files={"file": ("big.csv", big, "text/csv")})
    assert refused.status_code == 422
    assert "超过了 1 MB" in refused.text
    assert not seen
    answer = client.post("/testing/import", data=form(client, lab="区疾控"),
                         files={"file": ("lab.csv", path.read_bytes(), "text/csv")},
                         follow_redirects=False)
    assert answer.status_code == 303, answer.text
    ((stored, max_mb),) = seen
    assert (stored.parent, max_mb) == (uploads_of_1_mb / "imports", 1)
    assert not list(stored.parent.iterdir())  # removed once imported
