"""`points bank …`: the bank's command-line jobs."""
from __future__ import annotations

from datetime import datetime, timezone

import click
from flask.cli import with_appcontext


@click.group()
def bank() -> None:
    """The public-welfare bank."""


@bank.command("expire")
@click.option("--now", "now_text", default=None, metavar="ISO-TIME",
              help="Pretend it is this moment (UTC unless it says otherwise); for catching up or testing.")
@with_appcontext
def expire(now_text: str | None) -> None:
    """Expire redemptions past their pickup window, returning their points and stock.

    Run it from cron or a systemd timer, e.g. hourly: `points bank expire`.
    """
    from ..accounts.permissions import SYSTEM
    from .services import expire_due

    now = None
    if now_text:
        now = datetime.fromisoformat(now_text)
        if now.tzinfo is None:
            now = now.replace(tzinfo=timezone.utc)
    count = expire_due(actor=SYSTEM, now=now)
    click.echo(f"{count} redemption(s) expired.")
