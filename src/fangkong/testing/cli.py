"""`fangkong testing import FILE --lab NAME`: a lab's result file, with a progress bar and a
summary; run it again and nothing changes (every row comes out unchanged)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from fangkong.accounts.queries import get_user_by_username
from fangkong.db import make_engine, make_session_factory, transaction
from fangkong.errors import DomainError
from fangkong.i18n import N_, Translator, negotiate
from fangkong.registry.importer_source import ImportFile
from fangkong.registry.models import ImportBatch
from fangkong.scope import SYSTEM, Actor
from fangkong.settings import Settings
from fangkong.testing.lab_export import rejected_workbook
from fangkong.testing.lab_import import CLI_BATCH, COUNT_NAMES, run_lab_import

app = typer.Typer(no_args_is_help=True)
console = Console()

COUNT_LABELS = {
    "rows": N_("Rows read"), "added": N_("Results added"),
    "unchanged": N_("Unchanged (recorded already)"), "rejected": N_("Rejected"),
    "ignored": N_("Ignored (blank or total rows)"), "positives": N_("New positives"),
    "retests": N_("Persons to retest"),
}


def _actor(settings: Settings, username: str | None) -> Actor:
    if username is None:
        return SYSTEM
    with transaction(make_engine(settings)) as session:
        user = get_user_by_username(session, username)
        if user is None:
            console.print(f"[red]no such user: {username}[/red]")
            raise typer.Exit(2)
        return user.actor()


def summary(batch: ImportBatch, tr: Translator) -> Table:
    table = Table(title=batch.filename)
    table.add_column(tr.gettext(N_("Result")))
    table.add_column(tr.gettext(N_("Rows")), justify="right")
    for name in COUNT_NAMES:
        table.add_row(tr.gettext(COUNT_LABELS[name]), f"{batch.counts.get(name, 0):,}")
    return table


@app.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True,
                                         help="CSV (UTF-8 or GB18030) or XLSX lab file")],
    *,
    lab: Annotated[str, typer.Option("--lab", help="the lab, for rows without a 检测机构")] = "",
    batch_size: Annotated[int, typer.Option(help="rows per transaction", min=1)] = CLI_BATCH,
    rejected: Annotated[Path | None, typer.Option(
        "--rejected", help="write the rejected rows with their reasons to this xlsx file")] = None,
    user: Annotated[str | None, typer.Option(
        "--as", help="import as this user (only the tubes of their area)")] = None,
    max_mb: Annotated[int | None, typer.Option(
        min=1, help="largest file accepted, in MB (default: FANGKONG_IMPORT_MAX_MB)")] = None,
) -> None:
    """Import a lab's results by tube number or ID number. Exit code 1 when rows were
    rejected, 2 when the file was refused or the import failed."""
    settings = Settings()
    tr = Translator(negotiate(settings.locale), settings.zone)
    actor = _actor(settings, user)
    session = make_session_factory(make_engine(settings), write=True)()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[rate]} rows/s"), TimeElapsedColumn())
    try:
        with Progress(*columns, console=console) as progress:
            task = progress.add_task(path.name, total=None, rate="-")

            def advance(batch: ImportBatch) -> None:
                done = int(batch.counts.get("next_row", 0))
                elapsed = progress.tasks[task].elapsed or 0
                progress.update(task, completed=done,
                                total=int(batch.counts.get("total", 0)) or None,
                                rate=f"{done / elapsed:,.0f}" if elapsed else "-")

            batch = run_lab_import(session, actor=actor, source=ImportFile(path, path.name),
                                   lab=lab, batch_size=batch_size,
                                   max_mb=max_mb or settings.import_max_mb, zone=settings.zone,
                                   progress=advance)
        console.print(summary(batch, tr))
        if rejected is not None and batch.counts.get("rejected"):
            rejected.write_bytes(rejected_workbook(session, batch, tr))
            console.print(f"rejected rows written to {rejected}")
    except DomainError as error:
        text = tr.gettext(error.message)
        console.print(f"[red]{text % error.params if error.params else text}[/red] "
                      f"({error.code})")
        raise typer.Exit(2) from error
    finally:
        session.close()
    if batch.counts.get("rejected"):
        raise typer.Exit(1)
