"""`fangkong registry import FILE --area CODE`: a community's roster into the registry, with a
progress bar and a summary; `fangkong registry demo-population` fills the demo city."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.orm import Session

from fangkong.accounts.queries import get_user_by_username
from fangkong.db import make_engine, make_session_factory, transaction
from fangkong.errors import DomainError
from fangkong.i18n import N_, Translator, negotiate
from fangkong.registry.demo import do_load_demo_population
from fangkong.registry.importer import (
    CLI_BATCH,
    COMMIT_ROWS,
    COUNT_NAMES,
    FAILED,
    ImportStatus,
)
from fangkong.registry.importer_export import rejected_workbook
from fangkong.registry.importer_fields import DOMAIN, ImportKind
from fangkong.registry.importer_job import run_import
from fangkong.registry.importer_source import ImportFile
from fangkong.registry.models import ImportBatch
from fangkong.scope import SYSTEM, Actor
from fangkong.settings import Settings

app = typer.Typer(no_args_is_help=True)
console = Console()

COUNT_LABELS = {
    "rows": N_("Rows read"), "added": N_("Added"), "updated": N_("Updated"),
    "unchanged": N_("Unchanged"), "rejected": N_("Rejected"),
    "ignored": N_("Ignored (blank or total rows)"), "households_added": N_("Households added"),
    "households_updated": N_("Households updated"),
}


@contextmanager
def open_session() -> Iterator[Session]:
    """A writing session on the configured database; the import commits after each batch."""
    session = make_session_factory(make_engine(Settings()), write=True)()
    try:
        yield session
    finally:
        session.close()


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """One transaction on the configured database, committed when the block succeeds."""
    with transaction(make_engine(Settings())) as session:
        yield session


def _actor(session: Session, username: str | None) -> Actor:
    if username is None:
        return SYSTEM
    user = get_user_by_username(session, username)
    if user is None:
        console.print(f"[red]no such user: {username}[/red]")
        raise typer.Exit(2)
    return user.actor()


def summary(batch: ImportBatch, tr: Translator) -> Table:
    table = Table(title=f"{batch.filename} → {batch.area_code}")
    table.add_column(tr.gettext(N_("Result"), DOMAIN))
    table.add_column(tr.gettext(N_("Rows"), DOMAIN), justify="right")
    for name in COUNT_NAMES:
        table.add_row(tr.gettext(COUNT_LABELS[name], DOMAIN), str(batch.counts.get(name, 0)))
    return table


@app.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True,
                                         help="CSV (UTF-8 or GB18030), XLSX or XLS file")],
    *,
    area: Annotated[str, typer.Option("--area", help="code of the area to import into")],
    sheet: Annotated[str | None, typer.Option(help="the sheet to read (default: the first "
                                                   "one with data)")] = None,
    batch_size: Annotated[int, typer.Option(
        help="rows checked and written together", min=1)] = CLI_BATCH,
    commit_rows: Annotated[int, typer.Option(
        help="rows per transaction, in whole batches (fewer commits import faster; a "
             "transaction holds the write lock while it runs)", min=1)] = COMMIT_ROWS,
    rejected: Annotated[Path | None, typer.Option(
        "--rejected", help="write the rejected rows with their reasons to this xlsx file")] = None,
    kind: Annotated[ImportKind | None, typer.Option(
        help="persons or households (default: from the header)")] = None,
    user: Annotated[str | None, typer.Option(
        "--as", help="import as this user (their area and saved column mappings)")] = None,
    max_mb: Annotated[int | None, typer.Option(
        min=1, help="largest file accepted, in MB (default: FANGKONG_IMPORT_MAX_MB)")] = None,
    workers: Annotated[int, typer.Option(
        min=0, max=1, help="processes checking rows while this one writes (0: none)")] = 1,
) -> None:
    """Import persons (or households) from a spreadsheet; run it again and nothing changes.
    Exit code 1 when rows were rejected, 2 when the file was refused or the import failed."""
    settings = Settings()
    tr = Translator(negotiate(settings.locale), settings.zone)
    source = ImportFile(path, path.name, sheet)
    try:
        with open_session() as session:
            batch = _import(session, source, _actor(session, user), area=area, kind=kind,
                            batch_size=batch_size, commit_rows=commit_rows,
                            max_mb=max_mb or settings.import_max_mb, workers=workers)
            console.print(summary(batch, tr))
            if rejected is not None and batch.counts.get("rejected"):
                rejected.write_bytes(rejected_workbook(session, batch, tr))
                console.print(f"rejected rows written to {rejected}")
    except DomainError as error:
        message = tr.gettext(error.message, DOMAIN, **error.params)
        console.print(f"[red]{message}[/red] ({error.code})")
        raise typer.Exit(2) from error
    except Exception as error:  # the import is marked failed; say so without a traceback
        console.print(f"[red]{tr.gettext(FAILED, DOMAIN)}[/red] ({error!r})")
        raise typer.Exit(2) from error
    if batch.status != ImportStatus.DONE:
        raise typer.Exit(2)
    if batch.counts.get("rejected"):
        raise typer.Exit(1)


def _import(session: Session, source: ImportFile, actor: Actor, *, area: str,
            kind: ImportKind | None, batch_size: int, commit_rows: int, max_mb: int,
            workers: int) -> ImportBatch:
    """The import with a Rich progress bar (rows, rows per second, elapsed time)."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[rate]} rows/s"), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        task = progress.add_task(source.filename, total=None, rate="-")

        def advance(batch: ImportBatch) -> None:
            done = int(batch.counts.get("next_row", 0))
            total = int(batch.counts.get("total", 0)) or None
            elapsed = progress.tasks[task].elapsed or 0
            rate = f"{done / elapsed:,.0f}" if elapsed else "-"
            progress.update(task, completed=done, total=total, rate=rate)

        return run_import(session, actor=actor, source=source, area_code=area, kind=kind,
                          batch_size=batch_size, commit_rows=commit_rows, max_mb=max_mb,
                          workers=workers,
                          progress=advance)


@app.command("demo-population")
def demo_population(
    persons: Annotated[int, typer.Option(help="how many persons", min=1)] = 10_000,
    seed: Annotated[int, typer.Option(help="random seed of the generated data")] = 2020,
) -> None:
    """Fill the demo city's grids with a generated population (skipped when they have one)."""
    with unit_of_work() as session:
        added = do_load_demo_population(session, persons=persons, seed=seed)
    console.print(f"demo population: {added} persons added" if added
                  else "demo population: already there")
