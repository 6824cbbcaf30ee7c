"""`fangkong user add|list|disable|reset-password`: accounts from the command line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from fangkong.accounts.actions import do_create_user, do_disable_user, do_reset_password
from fangkong.accounts.queries import access_user_by_username, area_names, users_query
from fangkong.accounts.schemas import UserCreate, UserFilter
from fangkong.db import make_engine, make_session_factory, transaction
from fangkong.errors import DomainError
from fangkong.i18n import Translator, negotiate
from fangkong.permissions import Role
from fangkong.scope import SYSTEM
from fangkong.settings import Settings
from fangkong.web.forms import validate
from fangkong.web.handlers import error_domain

app = typer.Typer(no_args_is_help=True)
console = Console()


@contextmanager
def unit_of_work(*, write: bool = True) -> Iterator[Session]:
    """One transaction on the configured database; a domain error is printed, exit code 1."""
    settings = Settings()
    tr = Translator(negotiate(settings.locale), settings.zone)
    engine = make_engine(settings)
    try:
        with transaction(engine if write else make_session_factory(engine)) as session:
            yield session
    except DomainError as error:
        domain = error_domain(error)
        console.print(f"[red]{tr.gettext(error.message, domain, **error.params)}[/red]")
        for name, message in error.fields.items():
            console.print(f"  {name}: {tr.gettext(message, domain)}")
        raise typer.Exit(1) from error


@app.command("add")
def add(
    username: Annotated[str, typer.Argument(help="login name: lower-case letters, digits, . _ -")],
    *,
    name: Annotated[str, typer.Option("--name", help="display name")],
    role: Annotated[Role, typer.Option("--role", help="role of the user")],
    area: Annotated[str, typer.Option("--area", help="code of the area the user is bound to")],
    phone: Annotated[str, typer.Option("--phone", help="phone number")] = "",
    password: Annotated[str | None, typer.Option(
        "--password", help="initial password (prompted for when not given)")] = None,
) -> None:
    """Create a user bound to a role and an area."""
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with unit_of_work() as session:
        data = validate(UserCreate, {
            "username": username, "display_name": name, "role": role, "area_code": area,
            "phone": phone, "password": password,
        })
        user = do_create_user(session, actor=SYSTEM, data=data)
        console.print(f"[green]created[/green] {user.username} ({user.role}, {user.area_code})")


@app.command("list")
def list_(
    role: Annotated[Role | None, typer.Option("--role", help="only this role")] = None,
    area: Annotated[str | None, typer.Option("--area", help="only this area and below")] = None,
) -> None:
    """List users, optionally of one role or one area."""
    with unit_of_work(write=False) as session:
        filters = validate(UserFilter, {"role": role, "area": area})
        users = list(session.scalars(users_query(SYSTEM, filters)))
        names = area_names(session, (user.area_code for user in users))
    table = Table(title=f"users ({len(users)})")
    for column in ("username", "name", "role", "area", "status", "last sign-in"):
        table.add_column(column)
    for user in users:
        table.add_row(
            user.username, user.display_name, user.role,
            f"{user.area_code} {names.get(user.area_code, '')}",
            "active" if user.is_active else "disabled",
            user.last_login_at.strftime("%Y-%m-%d %H:%M UTC") if user.last_login_at else "",
        )
    console.print(table)


@app.command("disable")
def disable(username: Annotated[str, typer.Argument(help="the user to disable")]) -> None:
    """Disable a user: sign-ins and API tokens are refused, sessions end."""
    with unit_of_work() as session:
        user = access_user_by_username(session, SYSTEM, username)
        do_disable_user(session, actor=SYSTEM, user=user)
    console.print(f"[yellow]disabled[/yellow] {username}")


@app.command("reset-password")
def reset_password(username: Annotated[str, typer.Argument(help="the user")]) -> None:
    """Give a user a temporary password (printed once) to change at the next sign-in."""
    with unit_of_work() as session:
        user = access_user_by_username(session, SYSTEM, username)
        password = do_reset_password(session, actor=SYSTEM, user=user)
    console.print(f"temporary password for {username}: [bold]{password}[/bold]")
    console.print("the user must choose a new password at the next sign-in")
