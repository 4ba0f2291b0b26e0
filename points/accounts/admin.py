"""Admin pages (blueprint `admin`): the unit tree (load from CSV) and who holds which role where."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import DomainError
from ..forms import apply_error
from ..units.forms import ImportUnitsForm, unit_choices
from ..units.models import Unit
from ..units.services import get_unit, import_units_csv, subtree_units
from . import services as accounts
from ..web import ActionForm
from .forms import ROLE_LABELS, GrantForm
from .models import Role
from .permissions import gate, load_or_404

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.before_request(gate(Role.ADMIN))


def _granted_units(role: Role) -> list[Unit]:
    return [g.unit for g in current_user.grants if g.role == role.value]


def _admin_units() -> list[Unit]:
    """Every unit in the subtrees the current user administers, in tree order."""
    return subtree_units(_granted_units(Role.ADMIN))


def _page(import_form: ImportUnitsForm, grant_form: GrantForm, status: int = 200):
    units = _admin_units()
    grant_form.unit.choices = unit_choices(units)
    unit_ids = {u.id for u in units}
    grants = accounts.grants_within(unit_ids)
    return render_template("accounts/admin.html", units=units, import_form=import_form, grant_form=grant_form, grants=grants), status


@bp.get("/")
def admin_home():
    return _page(ImportUnitsForm(), GrantForm())


@bp.post("/units/import")
def import_units():
    form = ImportUnitsForm()
    if form.validate_on_submit():
        try:
            text = form.file.data.read().decode("utf-8-sig")
            created = import_units_csv(text, within=_granted_units(Role.ADMIN))
        except UnicodeDecodeError:
            form.file.errors = [_("The file must be saved as UTF-8.")]
        except DomainError as error:
            form.file.errors = [str(error.message)]
        else:
            flash(_("%(n)d units added.", n=created), "success")
            return redirect(url_for("admin.admin_home"))
    return _page(form, GrantForm(formdata=None), 422)


@bp.post("/roles")
def grant():
    form = GrantForm()
    form.unit.choices = unit_choices(_admin_units())
    if form.validate_on_submit():
        person = accounts.resident_by_phone(form.phone.data)
        unit = get_unit(form.unit.data)
        if person is None:
            form.phone.errors = [_("Nobody is registered with this number.")]
        elif unit is None:
            form.unit.errors = [_("Please choose a unit.")]
        else:
            try:
                accounts.grant_role(person, Role(form.role.data), unit, admin=current_user)
            except DomainError as error:
                apply_error(form, error)
            else:
                flash(_("%(name)s is now %(role)s of %(unit)s.", name=person.name, role=ROLE_LABELS[form.role.data], unit=unit.name), "success")
                return redirect(url_for("admin.admin_home"))
    return _page(ImportUnitsForm(formdata=None), form, 422)


@bp.route("/roles/<int:grant_id>/revoke", methods=["GET", "POST"])
def revoke(grant_id: int):
    """GET: whose role, where, and a button to remove it. POST: remove it."""
    grant = load_or_404(accounts.get_grant, grant_id, role=Role.ADMIN)
    if request.method == "GET":
        return render_template("accounts/revoke_confirm.html", grant=grant)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        accounts.revoke_role(grant, admin=current_user)
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        flash(_("Role removed."), "success")
    return redirect(url_for("admin.admin_home"))
