"""The import pages: upload, header and mapping with a preview, import with progress, result."""

from __future__ import annotations

import io
import re
from datetime import date

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from registry_helpers import GRID1, csrf_headers, resident_id
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.registry.models import ImportBatch, Person

ROSTER = "\n".join([
    "幸福社区 第1网格 居民花名册",
    "序号,姓名,身份证号,联系电话,现住址,与户主关系",
    f"1,王伟,{resident_id(date(1980, 5, 1), 11)},13812345678,人民大街1号,户主",
    f"2,李娜,{resident_id(date(1982, 6, 2), 22)},,人民大街1号,配偶",
    "3,张三,12345,,人民大街2号,户主",
    "合计,3人,,,,",
]).encode("gb18030")


def upload(client: TestClient, data: bytes, name: str = "花名册.csv", area: str = GRID1) -> int:
    response = client.post("/registry/import", data={"area": area},
                           files={"file": (name, data, "text/csv")},
                           headers=csrf_headers(client), follow_redirects=False)
    assert response.status_code == 303, response.text
    found = re.search(r"/registry/import/(\d+)$", response.headers["location"])
    assert found
    return int(found[1])


def run_steps(client: TestClient, batch_id: int) -> str:
    for _ in range(20):
        html = client.post(f"/registry/import/{batch_id}/step", headers=csrf_headers(client)).text
        if "hx-post" not in html:
            return html
    raise AssertionError("the import did not finish")


def test_upload_preview_import_and_download(as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    client = as_user("grid1")
    batch_id = upload(client, ROSTER)
    page = client.get(f"/registry/import/{batch_id}")
    assert page.status_code == 200
    assert 'value="2"' in page.text  # the header row found below the title
    assert "import-bad" in page.text  # the short ID number marked in the preview
    started = client.post(f"/registry/import/{batch_id}/start", headers=csrf_headers(client),
                          follow_redirects=False)
    assert started.status_code == 303
    result = run_steps(client, batch_id)
    assert "rejected.xlsx" in result
    batch = db.get(ImportBatch, batch_id)
    assert batch is not None
    assert batch.status == "done"
    assert (batch.counts["added"], batch.counts["rejected"], batch.counts["ignored"]) == (2, 1, 1)
    assert db.scalar(select(Person).where(Person.name == "王伟")) is not None
    download = client.get(f"/registry/import/{batch_id}/rejected.xlsx")
    assert download.status_code == 200
    sheet = load_workbook(io.BytesIO(download.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][-1] == "原因"
    assert rows[1][1] == "张三"
    assert "身份证" in rows[1][-1]
