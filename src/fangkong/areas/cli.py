"""`fangkong areas import|export`: the area tree to and from CSV or Excel files."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy.orm import Session

from fangkong.areas.actions import do_import_areas
from fangkong.areas.importer import (
    EXPORT_COLUMNS,
    read_area_rows,
    rejected_csv,
    translate_report,
)
from fangkong.areas.queries import list_areas_under
from fangkong.areas.schemas import ImportReport
from fangkong.db import make_engine, transaction
from fangkong.errors import DomainError
from fangkong.i18n import Translator, negotiate
from fangkong.scope import SYSTEM
from fangkong.settings import Settings
from fangkong.web.handlers import error_domain

app = typer.Typer(no_args_is_help=True)
console = Console()
SHOWN_REJECTIONS = 50


def translator() -> Translator:
    settings = Settings()
    return Translator(negotiate(settings.locale), settings.zone)


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """One transaction on the configured database, committed when the block succeeds."""
    with transaction(make_engine(Settings())) as session:
        yield session


def fail(error: DomainError, tr: Translator) -> typer.Exit:
    domain = error_domain(error)
    console.print(f"[red]{tr.gettext(error.message, domain, **error.params)}[/red] ({error.code})")
    for name, message in error.fields.items():
        console.print(f"  {name}: {tr.gettext(message, domain)}")
    return typer.Exit(2)


@app.command("import")
def import_areas(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True,
                                         help="CSV, XLSX, XLS or ODS file")],
    rejected: Annotated[Path | None, typer.Option(
        "--rejected", help="write the rejected rows with their reasons to this CSV file")] = None,
) -> None:
    """Add or update areas from a file (idempotent). Exit code 1 when rows were rejected,
    2 when the file cannot be read."""
    tr = translator()
    try:
        rows = read_area_rows(path, path.name)
        with unit_of_work() as session, Progress(console=console, transient=True) as progress:
            task = progress.add_task(f"importing {path.name}", total=len(rows))
            report = do_import_areas(session, actor=SYSTEM, rows=rows, progress=lambda done:
                                     progress.update(task, completed=done))
    except DomainError as error:
        raise fail(error, tr) from error
    report = translate_report(report, tr)
    print_report(report)
    if rejected is not None and report.rejected:
        rejected.write_text(rejected_csv(report), encoding="utf-8")
        console.print(f"rejected rows written to {rejected}")
    if report.rejected:
        raise typer.Exit(1)


def print_report(report: ImportReport) -> None:
    summary = Table(title="area import")
    for column in ("added", "updated", "unchanged", "rejected"):
        summary.add_column(column, justify="right")
    summary.add_row(str(report.added), str(report.updated), str(report.unchanged),
                    str(len(report.rejected)))
    console.print(summary)
    if not report.rejected:
        return
    table = Table(title="rejected rows")
    for column in ("row", "code", "name", "reason"):
        table.add_column(column)
    for item in report.rejected[:SHOWN_REJECTIONS]:
        table.add_row(str(item.row), item.code, item.name, item.message or item.reason)
    console.print(table)
    if len(report.rejected) > SHOWN_REJECTIONS:
        console.print(f"… and {len(report.rejected) - SHOWN_REJECTIONS} more (see --rejected)")


@app.command("export")
def export_areas(
    path: Annotated[Path, typer.Argument(dir_okay=False, help="the CSV file to write")],
    under: Annotated[str, typer.Option(help="only this area and the areas below it")] = "",
) -> None:
    """Write the area tree as CSV (UTF-8 with BOM), parents before children; the file can be
    imported again as it is."""
    with unit_of_work() as session:
        areas = list_areas_under(session, under)
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(EXPORT_COLUMNS)
            for area in areas:
                writer.writerow([area.code, area.name, area.level, area.parent_code or "",
                                 "" if area.population is None else area.population])
    console.print(f"{len(areas)} areas written to {path}")
