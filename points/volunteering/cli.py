"""`points volunteering …`: the volunteering jobs."""
from __future__ import annotations

from datetime import datetime, timezone

import click
from flask.cli import with_appcontext


@click.group()
def volunteering() -> None:
    """Volunteering (志愿服务)."""


@volunteering.command("close")
@click.option("--now", "now_text", default=None, metavar="ISO-TIME",
              help="Pretend it is this moment (UTC unless it says otherwise); for catching up or testing.")
@with_appcontext
def close(now_text: str | None) -> None:
    """Close forgotten check-outs of finished activities (flagged for review). Run it hourly from cron."""
    from ..accounts.permissions import SYSTEM
    from .services import close_forgotten_checkouts

    now = None
    if now_text:
        now = datetime.fromisoformat(now_text)
        if now.tzinfo is None:
            now = now.replace(tzinfo=timezone.utc)
    count = close_forgotten_checkouts(actor=SYSTEM, now=now)
    click.echo(f"{count} forgotten check-out(s) closed.")
