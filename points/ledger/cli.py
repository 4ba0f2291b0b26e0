"""`points ledger verify`."""
from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from .verify import verify_ledger


@click.group()
def ledger() -> None:
    """The points ledger."""


@ledger.command("verify")
@with_appcontext
def ledger_verify() -> None:
    """Recompute every balance and hash chain; exit 1 naming the first bad transaction."""
    report = verify_ledger()
    if report.ok:
        click.echo(f"OK: {report.transactions} transactions, {report.accounts} accounts; checked {', '.join(report.checked)}.")
        return
    click.echo(f"FAILED: {len(report.problems)} problem(s) in {report.transactions} transactions.", err=True)
    click.echo(f"First bad: {report.first_problem}", err=True)
    for problem in report.problems[1:20]:
        click.echo(f"  {problem}", err=True)
    sys.exit(1)
