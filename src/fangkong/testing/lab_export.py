"""The rejected rows of a lab import as a spreadsheet: the file's header row, the rows as they
were and a reason column, to correct and import again (the registry importer's layout)."""

from __future__ import annotations

import io

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.i18n import N_, Translator
from fangkong.registry.models import ImportBatch, ImportRejection

REASON = N_("Reason")
REASON_SEPARATOR = "；"


def rejected_workbook(session: Session, batch: ImportBatch, tr: Translator) -> bytes:
    """The header entry (the one without reasons) first, then each rejected row in order."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(tr.gettext(N_("Rejected rows"))[:31])
    entries = list(session.scalars(select(ImportRejection).where(
        ImportRejection.batch_id == batch.id).order_by(ImportRejection.row_number)))
    header = next((entry.raw for entry in entries if not entry.reasons), [])
    width = max([len(header)] + [len(entry.raw) for entry in entries])
    sheet.append([*header, *[""] * (width - len(header)), tr.gettext(REASON)])
    for entry in entries:
        if entry.reasons:
            reasons = REASON_SEPARATOR.join(tr.gettext(reason) for reason in entry.reasons)
            sheet.append([*entry.raw, *[""] * (width - len(entry.raw)), reasons])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
