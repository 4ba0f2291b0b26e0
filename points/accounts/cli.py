"""`points create-admin`: the first administrator of a unit tree."""
from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from ..db import db
from ..errors import DomainError
from ..units.models import Level, Unit, full_name
from . import services as accounts
from .models import Resident, Role
from .permissions import SYSTEM


@click.command("create-admin")
@click.option("--phone", required=True)
@click.option("--name", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--unit", "unit_name", required=True, help="Name (or id) of the unit, usually the district, to administer.")
@click.option("--building", "building_name", default=None, help="Where the admin lives (a building); defaults to the first one found under the unit.")
@with_appcontext
def create_admin(phone: str, name: str, password: str, unit_name: str, building_name: str | None) -> None:
    """Create (or promote) an administrator of a unit and its whole subtree."""
    matches = db.session.scalars(select(Unit).where(Unit.name == unit_name).order_by(Unit.path)).all()
    if unit_name.isdigit() and not matches:
        matches = [u for u in [db.session.get(Unit, int(unit_name))] if u is not None]
    if not matches:
        raise click.ClickException(f"No unit named {unit_name!r}. Load the unit tree first (points units import FILE).")
    if len(matches) > 1:
        listing = "\n".join(f"  {u.id}: {full_name(u, below=Level.DISTRICT) or u.name} ({u.level})" for u in matches)
        raise click.ClickException(f"Several units are named {unit_name!r}; pass the id instead:\n{listing}")
    unit = matches[0]
    homes = select(Unit).where(Unit.path.startswith(unit.path), Unit.level == Level.BUILDING.value)
    if building_name:
        homes = homes.where(Unit.name == building_name)
    home = db.session.scalar(homes.order_by(Unit.path).limit(1))
    person = db.session.scalar(select(Resident).where(Resident.phone == accounts.normalise_phone(phone)))
    try:
        if person is None:
            person = accounts.register_resident(name=name, phone=phone, password=password, unit=home, confirmed_by=SYSTEM)
        accounts.grant_role(person, Role.ADMIN, unit, admin=SYSTEM)
    except DomainError as error:
        raise click.ClickException(str(error.message)) from error
    click.echo(f"{person.name} ({person.phone}) is admin of {unit.name}.")
