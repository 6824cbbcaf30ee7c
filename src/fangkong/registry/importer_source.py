"""The file of an import: its size limit, its sheets, its rows, its header row, its grids.

A file over the size limit is refused before it is opened. A large xlsx is streamed
(`importer_xlsx`); every other file goes through `tabular.open_table`. The header is looked
for in the first rows; the rows after it continue from the same stream.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from python_calamine import CalamineError, CalamineWorkbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.areas.models import Area, AreaLevel
from fangkong.errors import Invalid
from fangkong.i18n import N_
from fangkong.registry.importer_fields import HEADER_SCAN, Header, ImportKind, detect_header
from fangkong.registry.importer_rows import GridResolver, grid_key
from fangkong.registry.importer_xlsx import open_xlsx_stream, sheet_names
from fangkong.settings import Settings
from fangkong.tabular import OLE_MAGIC, ZIP_MAGIC, Row, Table, open_table

MEGABYTE = 1024 * 1024
DEFAULT_MAX_MB: int = Settings.model_fields["import_max_mb"].default  # FANGKONG_IMPORT_MAX_MB
STREAM_XLSX_BYTES = 8 * MEGABYTE
XLSX_SUFFIXES = (".xlsx", ".xlsm")


class FileTooLarge(Invalid):
    code = "registry.import_too_large"

    @classmethod
    def default_message(cls) -> str:
        return N_("The file is %(size)s MB, more than the limit of %(limit)s MB. Split it into "
                  "smaller files (for example one per community) and import each.")


@dataclass(frozen=True, slots=True)
class ImportFile:
    """A file on disk to import: where it is, the name it came with, the sheet to read."""

    path: Path
    filename: str
    sheet: str | None = None

    @property
    def is_xlsx(self) -> bool:
        with self.path.open("rb") as handle:
            zipped = handle.read(4) == ZIP_MAGIC
        return zipped and self.filename.lower().endswith(XLSX_SUFFIXES)


def check_size(path: Path, max_mb: int) -> int:
    """The file's size in bytes; FileTooLarge when it is over `max_mb` megabytes."""
    size = path.stat().st_size
    if size > max_mb * MEGABYTE:
        raise FileTooLarge(params={"size": round(size / MEGABYTE), "limit": max_mb})
    return size


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(MEGABYTE):
            digest.update(block)
    return digest.hexdigest()


def open_rows(source: ImportFile, *, stream_over: int = STREAM_XLSX_BYTES) -> Table:
    """The rows of the file's sheet, streamed; a large xlsx through the streaming reader."""
    if source.is_xlsx and source.path.stat().st_size > stream_over:
        return open_xlsx_stream(source.path, sheet=source.sheet)
    return open_table(source.path, source.filename, sheet=source.sheet)


def list_sheets(source: ImportFile) -> list[str]:
    """The sheet names of a workbook (none for a CSV file)."""
    with source.path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(ZIP_MAGIC) and source.is_xlsx:
        return sheet_names(source.path)
    if head.startswith((ZIP_MAGIC, OLE_MAGIC)):
        try:
            book = CalamineWorkbook.from_path(str(source.path))
        except CalamineError:
            return []
        names = list(book.sheet_names)
        book.close()
        return names
    return []


def estimate_rows(source: ImportFile) -> int:
    """How many lines a CSV file has (a progress bar's total); 0 when not known cheaply."""
    with source.path.open("rb") as handle:
        if handle.read(4).startswith((ZIP_MAGIC[:2], OLE_MAGIC[:4])):
            return 0
        handle.seek(0)
        lines = 0
        while block := handle.read(MEGABYTE):
            lines += block.count(b"\n")
    return lines


def read_header(
    table: Table, *, kind: ImportKind | None = None, saved: Mapping[str, str] | None = None,
    row_number: int | None = None,
) -> tuple[Header, Iterator[Row]]:
    """The header row and the rows after it (the first rows are read once, then streamed)."""
    first = list(itertools.islice(table, HEADER_SCAN))
    header = detect_header(first, kind=kind, saved=saved, row_number=row_number)
    after = [row for row in first if row.number > header.row]
    return header, itertools.chain(after, table)


def lowest_level(session: Session) -> str:
    level = session.scalar(select(AreaLevel.key).order_by(AreaLevel.rank.desc()).limit(1))
    return level or "grid"


def _parents(session: Session, codes: set[str]) -> dict[str, tuple[str, str]]:
    """Name and parent code of each of these areas."""
    if not codes:
        return {}
    rows = session.execute(select(Area.code, Area.name, Area.parent_code).where(
        Area.code.in_(sorted(codes))))
    return {str(code): (str(name), str(parent or "")) for code, name, parent in rows}


def grid_resolver(session: Session, area: Area) -> GridResolver:
    """The grids of an area, by code and by name (also with their community's and street's
    names before them, as sheets write 幸福社区第1网格)."""
    level = lowest_level(session)
    grids = session.execute(select(Area.code, Area.name, Area.parent_code).where(
        Area.level == level, Area.code.startswith(area.code, autoescape=True))).all()
    above = _parents(session, {str(parent) for _, _, parent in grids if parent})
    above.update(_parents(session, {parent for _, parent in above.values() if parent}))
    found: dict[str, set[str]] = {}
    for code, name, parent in grids:
        community, street_code = above.get(parent or "", ("", ""))
        street = above.get(street_code, ("", ""))[0]
        for text in (name, community + name, street + community + name):
            found.setdefault(grid_key(text), set()).add(code)
    return GridResolver(
        area_code=area.code, area_is_grid=area.level == level,
        codes=frozenset(code for code, _, _ in grids),
        names={key: tuple(sorted(codes)) for key, codes in found.items() if key},
    )


def import_dir(settings: Settings) -> Path:
    """Where uploaded files wait until their import is done: `imports/` in the uploads folder
    (`FANGKONG_UPLOADS_DIR`), else beside the SQLite database, else in `var/` of the working
    directory."""
    if settings.uploads_dir is not None:
        return settings.uploads_dir / "imports"
    database = settings.sqlite_path()
    return (database.parent if database is not None else Path("var")) / "imports"
