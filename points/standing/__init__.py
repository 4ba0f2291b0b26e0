"""Standing (§8): levels, badges, the honour roll (光荣榜) and the pioneer and fortress indices.

It reads what the ledger records (and the figures other domains provide, `points.domains`) and shows it on the
wallet, the public honour roll and the rules page; the ledger knows nothing of it.
"""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext


@click.group("standing")
def cli() -> None:
    """Levels, badges and the honour roll."""


@cli.command("badges")
@with_appcontext
def badges_command() -> None:
    """Grant every badge already earned and not yet recorded (after adding a badge, or for figures)."""
    from .badges import catch_up

    click.echo(f"Granted {catch_up()} badge(s).")


def init_app(app: Flask) -> None:
    from ..domains import registry
    from . import demo, levels, receivers, views  # noqa: F401 - receivers connect on import

    app.register_blueprint(views.bp)
    app.cli.add_command(cli)
    registry(app).wallet_panel(levels.wallet_panel)
    registry(app).rules_section(views.rules_section)
    registry(app).demo_loader(demo.load)
