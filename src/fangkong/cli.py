"""The `fangkong` command: init, serve, demo, and each module's commands mounted below."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from fangkong.accounts.cli import app as user_app
from fangkong.areas.cli import app as areas_app
from fangkong.areas.demo import DemoSize
from fangkong.db import make_engine, transaction
from fangkong.migrations import upgrade
from fangkong.quarantine.cli import app as quarantine_app
from fangkong.registry.cli import app as registry_app
from fangkong.settings import Settings
from fangkong.testing.cli import app as testing_app

app = typer.Typer(no_args_is_help=True, help="fangkong 防控: epidemic prevention command platform")
app.add_typer(user_app, name="user", help="User accounts")
app.add_typer(areas_app, name="areas", help="The area tree")
app.add_typer(registry_app, name="registry", help="The population registry: import rosters")
app.add_typer(testing_app, name="testing", help="Nucleic acid testing: import lab results")
app.add_typer(quarantine_app, name="quarantine", help="Quarantine: the missed-check sweep")
console = Console()


def settings() -> Settings:
    return Settings()


@app.command()
def init() -> None:
    """Create the database, or upgrade it to the newest schema."""
    config = settings()
    upgrade(make_engine(config))
    console.print(f"[green]database ready[/green] {make_engine(config).url!r}")


@app.command()
def demo(
    communities: Annotated[int, typer.Option(help="communities per street", min=1, max=50)] = 2,
    grids: Annotated[int, typer.Option(help="grids per community", min=1, max=50)] = 2,
    seed: Annotated[int, typer.Option(help="random seed of the generated data")] = 2020,
    persons: Annotated[int, typer.Option(
        help="generated residents (up to the whole city, 9066906)", min=0, max=10_000_000,
    )] = 20_000,
) -> None:
    """Create the demo city (Changchun) and its demo accounts; existing data is reused."""
    from fangkong.demo import DEMO_PASSWORD, PERSONAS, do_build_demo  # noqa: PLC0415 - heavy

    config = settings()
    engine = make_engine(config)
    upgrade(engine)
    with transaction(engine) as session:
        created = do_build_demo(session, size=DemoSize(communities, grids), seed=seed,
                                persons=persons)
    console.print(f"demo city: {created} areas created" if created else "demo city: reused")
    table = Table(title=f"demo accounts (password: {DEMO_PASSWORD})")
    for column in ("username", "role", "area", "who"):
        table.add_column(column)
    for persona in PERSONAS:
        table.add_row(persona.username, persona.role.value, persona.area_code, persona.what)
    console.print(table)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(help="worker processes", min=1)] = 1,
) -> None:
    """Serve the platform over HTTP."""
    import uvicorn  # noqa: PLC0415 - only the server needs it

    settings()  # fail early on bad configuration
    console.print(f"serving fangkong at http://{host}:{port}")
    uvicorn.run("fangkong.asgi:app", host=host, port=port, workers=workers, proxy_headers=True)


@app.command()
def messages() -> None:
    """Update the translation catalogs from the code; list what still needs translating."""
    from fangkong.i18n_catalog import TRANSLATED_LOCALES, update  # noqa: PLC0415 - dev tool

    for locale in TRANSLATED_LOCALES:
        for domain, missing in update(locale).items():
            console.print(f"[yellow]{locale}/{domain}.po: {len(missing)} untranslated[/yellow]")
            for message_id in missing:
                console.print(f"  {message_id}")


def main() -> None:
    app()
