"""`points units import FILE`."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..errors import DomainError
from .services import import_units_csv


@click.group()
def units() -> None:
    """The unit tree."""


@units.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
@with_appcontext
def units_import(file) -> None:
    """Load units from a CSV file: district,street,community,compound,building per row."""
    from ..cli import upgrade_database

    upgrade_database()
    try:
        created = import_units_csv(file.read())
    except DomainError as error:
        raise click.ClickException(str(error.message)) from error
    click.echo(f"{created} units created.")
