"""`points proposals settle`: archive the cases whose rating period is over, awarding their outcome (run daily)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..accounts.permissions import SYSTEM
from . import services


@click.group(help="The proposal workflow.")
def proposals() -> None:
    pass


@proposals.command("settle", help="Archive done cases past their rating period and award their outcome.")
@with_appcontext
def settle() -> None:
    click.echo(f"archived {services.settle_due(actor=SYSTEM)}")
