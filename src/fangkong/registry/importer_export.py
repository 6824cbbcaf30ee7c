"""What an import shows back: a preview of the first rows with their problems, and the rejected
rows as a spreadsheet (the original columns and a reason column) to correct and import again.
"""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass, field

from openpyxl import Workbook
from sqlalchemy.orm import Session

from fangkong.i18n import N_, Translator
from fangkong.registry.importer import list_rejections
from fangkong.registry.importer_fields import DOMAIN, Header
from fangkong.registry.importer_job import ImportJob
from fangkong.registry.importer_rows import Rejected
from fangkong.registry.importer_source import ImportFile
from fangkong.registry.models import ImportBatch
from fangkong.scope import Actor
from fangkong.tabular import normalise_cell

PREVIEW_ROWS = 20
REASON = N_("Reason")
REASON_SEPARATOR = "；"


@dataclass
class PreviewRow:
    """One row as the import would read it: ok, ignored (blank or a total) or rejected, and the
    problems by column index (those of no shown column under -1)."""

    number: int
    cells: list[str]
    status: str
    problems: dict[int, list[str]] = field(default_factory=dict)


def preview_rows(
    session: Session, *, actor: Actor, batch: ImportBatch, source: ImportFile,
    limit: int = PREVIEW_ROWS,
) -> tuple[Header, list[PreviewRow]]:
    """The header and the first rows after it, checked (nothing is written)."""
    job = ImportJob(session, actor=actor, batch=batch, source=source)
    try:
        columns = job.header.field_columns()
        rows = []
        producer = job.producer
        for row in itertools.islice(producer.rows, limit):
            checked = producer.check(row)
            cells = [normalise_cell(cell) for cell in row.cells]
            if checked is None:
                rows.append(PreviewRow(row.number, cells, "ignored"))
            elif isinstance(checked, Rejected):
                problems: dict[int, list[str]] = {}
                for name, message in checked.reasons.items():
                    problems.setdefault(columns.get(name, -1), []).append(message)
                rows.append(PreviewRow(row.number, cells, "rejected", problems))
            else:
                rows.append(PreviewRow(row.number, cells, "ok"))
    finally:
        job.close()
    return job.header, rows


def rejected_workbook(session: Session, batch: ImportBatch, tr: Translator) -> bytes:
    """The rejected rows under the file's header row, with the reasons in the last column."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(tr.gettext(N_("Rejected rows"), DOMAIN)[:31])
    entries = list_rejections(session, batch.id)
    header = next((entry.raw for entry in entries if not entry.reasons), [])
    width = max([len(header)] + [len(entry.raw) for entry in entries])
    sheet.append([*header, *[""] * (width - len(header)), tr.gettext(REASON, DOMAIN)])
    for entry in entries:
        if not entry.reasons:
            continue
        reasons = REASON_SEPARATOR.join(tr.gettext(reason, DOMAIN) for reason in entry.reasons)
        sheet.append([*entry.raw, *[""] * (width - len(entry.raw)), reasons])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
