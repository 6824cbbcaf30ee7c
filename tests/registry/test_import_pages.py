"""The import pages: upload, header and mapping with a preview, import with progress, result,
the rejected rows; mappings remembered per user; permission and scope."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from registry_helpers import GRID1, actor_of, csrf_headers, resident_id
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.accounts.models import AuditEntry
from fangkong.registry import import_pages, importer_job
from fangkong.registry.bulk import BatchOutcome
from fangkong.registry.importer_source import MEGABYTE
from fangkong.registry.models import ColumnMapping, ImportBatch, Person
from fangkong.settings import Settings

HEAD, WIFE = resident_id(date(1980, 5, 1), 11), resident_id(date(1982, 6, 2), 22)
ROSTER = "\n".join([
    "幸福社区 第1网格 居民花名册",
    "序号,姓名,身份证号,联系电话,现住址,与户主关系",
    f"1,王伟,{HEAD},13812345678,人民大街1号,户主",
    f"2,李娜,{WIFE},,人民大街1号,配偶",
    "3,张三,12345,,人民大街2号,户主",
    "合计,3人,,,,",
]).encode("gb18030")


@pytest.fixture
def configure(app: FastAPI) -> Iterator[Callable[..., None]]:
    """`configure(import_max_mb=1)`: the app's settings with these fields changed, for this
    test (as `create_app` would have them from FANGKONG_* variables)."""
    original: Settings = app.state.settings

    def change(**fields: object) -> None:
        app.state.settings = Settings.model_validate({**app.state.settings.model_dump(),
                                                      **fields})

    yield change
    app.state.settings = original


@pytest.fixture(autouse=True)
def imports_folder(configure: Callable[..., None], tmp_path: Path) -> Path:
    """The uploads wait in the test's own folder (FANGKONG_UPLOADS_DIR), not beside the
    session's database."""
    configure(uploads_dir=tmp_path / "uploads")
    return tmp_path / "uploads" / "imports"


def upload(client: TestClient, data: bytes, name: str = "花名册.csv", area: str = GRID1) -> int:
    response = client.post("/registry/import", data={"area": area},
                           files={"file": (name, data, "text/csv")},
                           headers=csrf_headers(client), follow_redirects=False)
    assert response.status_code == 303, response.text
    found = re.search(r"/registry/import/(\d+)$", response.headers["location"])
    assert found
    return int(found[1])


def post(client: TestClient, url: str, data: dict[str, str] | None = None) -> int:
    response = client.post(url, data=data or {}, headers=csrf_headers(client),
                           follow_redirects=False)
    return response.status_code


def run_steps(client: TestClient, batch_id: int) -> str:
    for _ in range(20):
        html = client.post(f"/registry/import/{batch_id}/step", headers=csrf_headers(client)).text
        if "hx-post" not in html:
            return html
    raise AssertionError("the import did not finish")


def test_upload_preview_import_and_download(  # type: ignore[no-untyped-def]
    as_user, db: Session, imports_folder: Path
) -> None:
    client = as_user("grid1")
    batch_id = upload(client, ROSTER)
    assert (imports_folder / f"{batch_id}.csv").exists()
    page = client.get(f"/registry/import/{batch_id}")
    assert page.status_code == 200
    assert 'value="2"' in page.text  # the header row found below the title
    assert "import-bad" in page.text  # the short ID number marked in the preview
    assert post(client, f"/registry/import/{batch_id}/start") == 303
    progress = client.get(f"/registry/import/{batch_id}")
    assert 'hx-post="/registry/import/' in progress.text
    result = run_steps(client, batch_id)
    assert "rejected.xlsx" in result
    batch = db.get(ImportBatch, batch_id)
    assert batch is not None
    assert batch.status == "done"
    assert (batch.counts["added"], batch.counts["rejected"], batch.counts["ignored"]) == (2, 1, 1)
    assert not (imports_folder / f"{batch_id}.csv").exists()  # kept only until done
    assert db.scalar(select(Person).where(Person.name == "王伟")) is not None
    download = client.get(f"/registry/import/{batch_id}/rejected.xlsx")
    assert download.status_code == 200
    rows = list(load_workbook(io.BytesIO(download.content)).active.iter_rows(values_only=True))
    assert rows[0][-1] == "原因"
    assert rows[1][1] == "张三"
    assert "身份证" in str(rows[1][-1])
    exported = db.scalar(select(AuditEntry).where(AuditEntry.action == "export",
                                                  AuditEntry.record_id == str(batch_id)))
    assert exported is not None


def test_a_mapping_chosen_on_the_page_is_used_and_remembered(  # type: ignore[no-untyped-def]
    as_user, db: Session
) -> None:
    client = as_user("grid1")
    data = f"姓名,证件号,家住\n王伟,{HEAD},人民大街1号\n".encode()
    batch_id = upload(client, data)
    page = client.get(f"/registry/import/{batch_id}").text
    assert "请填写住址或户编号" in page  # no address column found yet
    mapping = {"header_row": "1", "column_0": "name", "column_1": "id_number",
               "column_2": "address"}
    assert post(client, f"/registry/import/{batch_id}/mapping", mapping) == 303
    saved = db.scalar(select(ColumnMapping).where(
        ColumnMapping.user_id == actor_of(db, "grid1").user_id))
    assert saved is not None
    assert saved.mapping["家住"] == "address"
    assert "请填写住址或户编号" not in client.get(f"/registry/import/{batch_id}").text
    post(client, f"/registry/import/{batch_id}/start")
    run_steps(client, batch_id)
    person = db.scalar(select(Person).where(Person.id_number == HEAD))
    assert person is not None
    next_time = upload(client, f"姓名,证件号,家住\n李娜,{WIFE},人民大街2号\n".encode())
    page = client.get(f"/registry/import/{next_time}").text
    assert re.search(r'name="column_2".*?<option value="address" selected>', page, re.DOTALL)


def test_bad_uploads_say_why_on_the_page(as_user, imports_folder: Path) -> None:  # type: ignore[no-untyped-def]
    client = as_user("grid1")
    response = client.post("/registry/import", data={"area": GRID1},
                           files={"file": ("list.csv", "编号,数量\n1,2\n".encode(), "text/csv")},
                           headers=csrf_headers(client))
    assert response.status_code == 422
    assert "姓名" in response.text
    assert not list(imports_folder.glob("*"))


def test_a_file_over_the_configured_limit_is_refused(  # type: ignore[no-untyped-def]
    as_user, configure: Callable[..., None], imports_folder: Path
) -> None:
    configure(import_max_mb=1)  # FANGKONG_IMPORT_MAX_MB=1
    client = as_user("grid1")
    big = ROSTER + b"\n" * (MEGABYTE + 64 * 1024 - len(ROSTER))
    response = client.post("/registry/import", data={"area": GRID1},
                           files={"file": ("big.csv", big, "text/csv")},
                           headers=csrf_headers(client))
    assert response.status_code == 422
    assert "超过了 1 MB" in response.text
    assert not list(imports_folder.glob("*"))
    configure(import_max_mb=2)
    assert upload(client, big) > 0


def test_an_upload_waits_in_the_configured_uploads_folder(  # type: ignore[no-untyped-def]
    as_user, configure: Callable[..., None], settings: Settings, tmp_path: Path
) -> None:
    configure(uploads_dir=tmp_path / "elsewhere")
    batch_id = upload(as_user("grid1"), ROSTER)
    assert [path.name for path in (tmp_path / "elsewhere" / "imports").iterdir()] == [
        f"{batch_id}.csv"]
    database = settings.sqlite_path()
    beside = database.parent / "imports" if database else Path("var") / "imports"
    assert not list(beside.glob(f"{batch_id}.*"))


def test_a_stopped_import_continues_where_it_stopped(  # type: ignore[no-untyped-def]
    as_user, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = as_user("grid1")
    batch_id = upload(client, ROSTER)
    post(client, f"/registry/import/{batch_id}/start")
    monkeypatch.setattr(import_pages, "WEB_BATCH", 1)
    client.post(f"/registry/import/{batch_id}/step", headers=csrf_headers(client))
    real, broken = importer_job.upsert_person_groups, [True]

    def flaky(*args: Any, **kwargs: Any) -> BatchOutcome:
        if broken[0]:
            raise RuntimeError("the database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(importer_job, "upsert_person_groups", flaky)
    html = client.post(f"/registry/import/{batch_id}/step", headers=csrf_headers(client)).text
    assert "继续导入" in html
    batch = db.get(ImportBatch, batch_id)
    assert batch is not None
    assert (batch.status, batch.counts["added"]) == ("failed", 1)
    broken[0] = False
    assert post(client, f"/registry/import/{batch_id}/resume") == 303
    run_steps(client, batch_id)
    db.refresh(batch)
    assert (batch.status, batch.counts["added"], batch.counts["rejected"]) == ("done", 2, 1)


def test_imports_need_the_permission_and_stay_in_their_area(  # type: ignore[no-untyped-def]
    as_user
) -> None:
    client = as_user("grid1")
    batch_id = upload(client, ROSTER)
    other = as_user("grid2")
    assert other.get(f"/registry/import/{batch_id}").status_code == 404
    assert other.get(f"/registry/import/{batch_id}/rejected.xlsx").status_code == 404
    assert post(other, f"/registry/import/{batch_id}/start") == 404
    checkpoint = as_user("checkpoint")
    assert checkpoint.get("/registry/import").status_code == 403
    response = checkpoint.post("/registry/import", data={"area": GRID1},
                               files={"file": ("a.csv", ROSTER, "text/csv")},
                               headers=csrf_headers(checkpoint))
    assert response.status_code == 403
