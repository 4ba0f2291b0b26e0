"""The `points` command: a Flask CLI group with the core's serve, demo and backup; domains add theirs in `init_app`."""
from __future__ import annotations

import os
import shutil
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select

from .db import db


def _create_app() -> Flask:
    from . import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False, load_dotenv=False)
def main() -> None:
    """Community governance points (治理积分) and the public-welfare bank (公益银行)."""


def init_app(app: Flask) -> None:
    for command in (serve, demo, backup):
        app.cli.add_command(command)


def upgrade_database() -> None:
    """Create or migrate the database to the newest schema (idempotent)."""
    from flask_migrate import upgrade

    upgrade(directory=str(Path(__file__).resolve().parent / "migrations"))


def database_is_empty() -> bool:
    """No row in any of the models' tables (the migration bookkeeping aside)."""
    return all(db.session.execute(select(table).limit(1)).first() is None for table in db.metadata.sorted_tables)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", type=int, help="Processes (gunicorn)  [default: one per CPU, at least 2]")
@click.option("--threads", default=1, show_default=True, type=int,
              help="Threads per process. A request is CPU work and a process's threads share one CPU (Python's GIL): "
                   "under a burst more threads made scans slower; they only help with slow clients and no proxy.")
@click.option("--demo", "with_demo", is_flag=True, help="Load the demo data if the database is empty.")
@with_appcontext
def serve(host: str, port: int, workers: int | None, threads: int, with_demo: bool) -> None:
    """Run the production server (gunicorn), creating or migrating the database first."""
    workers = workers or default_workers()
    upgrade_database()
    if with_demo:
        if database_is_empty():
            from .demo import load_demo

            logins = load_demo()
            _print_logins(logins)
        else:
            click.echo("The database already has data; demo data not loaded.")
    from gunicorn.app.base import BaseApplication

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    db.engine.dispose()  # each worker opens its own connections after the fork

    class Server(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("accesslog", "-")
            self.cfg.set("timeout", 60)

        def load(self) -> Flask:
            return app

    click.echo(f"Serving on http://{host}:{port}/  (Ctrl+C to stop)")
    Server().run()


def default_workers() -> int:
    """One process per CPU (at least two, so that one busy request never holds up the rest)."""
    return max(2, os.cpu_count() or 2)


@click.command()
@with_appcontext
def demo() -> None:
    """Load demo data into an empty database and print the demo logins."""
    upgrade_database()
    if not database_is_empty():
        raise click.ClickException("The database already has data; demo data is only loaded into an empty one.")
    from .demo import load_demo

    _print_logins(load_demo())


def _print_logins(logins: list[tuple[str, str, str]]) -> None:
    click.echo("Demo logins (phone / password):")
    for role, phone, password in logins:
        click.echo(f"  {role:<10} {phone} / {password}")





@click.command()
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the copy (default: instance/backups/points-YYYYmmdd-HHMMSS.sqlite3).")
@with_appcontext
def backup(output: Path | None) -> None:
    """Write a consistent copy of the SQLite database (online, while the app runs)."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        raise click.ClickException(
            "This database is PostgreSQL: back it up with pg_dump, e.g.\n"
            f"  pg_dump --format=custom --file=points.dump '{url.render_as_string(hide_password=True).replace('+psycopg', '')}'"
        )
    source = Path(url.database or "")
    if output is None:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
        output = Path(current_app.instance_path) / "backups" / f"points-{stamp}.sqlite3"
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_suffix(".partial")
    with sqlite3.connect(source) as src, sqlite3.connect(tmp) as dst:
        src.backup(dst)  # SQLite's online backup API: a consistent snapshot even under concurrent writes
    shutil.move(tmp, output)
    click.echo(f"Backup written to {output}")
