"""`points ledger verify [--against FILE]` and `points ledger publish-heads`."""
from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from ..db import utcnow
from . import services
from .verify import read_heads, verify_ledger


@click.group()
def ledger() -> None:
    """The points ledger."""


@ledger.command("verify")
@click.option("--against", "against_file", type=click.File("r", encoding="utf-8-sig"),
              help="A saved download of the published chain heads (CSV) that the chain must still contain.")
@click.option("--no-record", is_flag=True, help="Do not record this run for the public books.")
@with_appcontext
def ledger_verify(against_file, no_record: bool) -> None:
    """Recompute every balance and hash chain; exit 1 naming the first bad transaction. Each run is recorded
    (time, result, transactions checked, first problem) and shown on the public books (明白账)."""
    against = None
    if against_file is not None:
        try:
            against = read_heads(against_file)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--against") from None
    started = utcnow()
    report = verify_ledger(against=against)
    if not no_record:
        services.record_verify_run(report, started_at=started, against=getattr(against_file, "name", "") or "")
    if report.ok:
        saved = f"; {len(against)} saved heads match" if against is not None else ""
        click.echo(f"OK: {report.transactions} transactions, {report.accounts} accounts; checked {', '.join(report.checked)}{saved}.")
        return
    click.echo(f"FAILED: {len(report.problems)} problem(s) in {report.transactions} transactions.", err=True)
    click.echo(f"First bad: {report.first_problem}", err=True)
    for problem in report.problems[1:20]:
        click.echo(f"  {problem}", err=True)
    sys.exit(1)


@ledger.command("publish-heads")
@with_appcontext
def ledger_publish_heads() -> None:
    """Publish today's chain head (sequence and hash) of every community, append-only; run it daily from cron."""
    count = services.publish_heads()
    click.echo(f"Published {count} chain head(s).")
