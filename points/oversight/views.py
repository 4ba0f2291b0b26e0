"""The public books (明白账), the published chain heads, the staff dashboard and the exports. Thin: load, check,
read the figures, render."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.permissions import communities_for, load_or_404, staff_required
from ..exports import csv_response, csv_stream, xlsx_stream
from ..ledger import services as ledger
from ..ledger.verify import HEADS_HEADER
from ..standing.boards import PERIOD_KINDS, parse_period
from ..units.models import Level
from ..units.services import get_unit
from . import charts, exports, figures

bp = Blueprint("oversight", __name__)
BOOK_MONTHS = 12
CHART_MONTHS = 6


def _community(community_id: int):
    community = get_unit(community_id)
    if community is None or community.level != Level.COMMUNITY.value:
        abort(404)
    return community


@bp.get("/books/<int:community_id>")
def books(community_id: int):
    """明白账: anyone, no login."""
    community = _community(community_id)
    lines = figures.points_lines([community.id], figures.months_back(BOOK_MONTHS))[community.id]
    while len(lines) > 1 and not any((lines[0].issued, lines[0].redeemed, lines[0].held, lines[0].outstanding)):
        lines.pop(0)  # the months before the community's first points
    run = ledger.last_verify_run()
    return render_template(
        "oversight/books.html", community=community, lines=list(reversed(lines)),
        totals=figures.totals([community.id])[community.id], partners=figures.partners(community.id), run=run,
        verified=run.totals_for(community.id) if run else {}, heads=ledger.published_heads(community.id, limit=14),
    )


@bp.get("/books/<int:community_id>/heads.csv")
def heads_csv(community_id: int):
    """Every chain head published for the community: save it, and `points ledger verify --against` it later."""
    community = _community(community_id)
    rows = [(h.community_id, h.day.isoformat(), h.seq, h.hash) for h in reversed(ledger.published_heads(community.id))]
    return csv_response(f"chain-heads-{community.id}.csv", HEADS_HEADER, rows)


def _period():
    return parse_period(request.args.get("period"), request.args.get("at"))


def _dashboard(communities, period, *, single: bool):
    ids = [c.id for c in communities]
    start, end = period.window
    # The chart (one community's page only): the months of the year, or the six up to the month.
    months = 12 if period.kind == "year" else CHART_MONTHS
    lines = figures.points_lines(ids, figures.months_back(months, now=end - timedelta(hours=1))) if single else {}
    in_period = figures.points_lines(ids, [(period.key, start, end)])
    return dict(
        communities=communities, period=period, kinds=PERIOD_KINDS, totals=figures.totals(ids),
        in_period={c: ls[0] for c, ls in in_period.items()}, activity=figures.activity(ids, start, end),
        charts={c: charts.bar_chart(_("Points by month"), [line.label[2:] for line in lines[c]], {
            _("Points issued"): [line.issued for line in lines[c]], _("Redeemed"): [line.redeemed for line in lines[c]]})
            for c in lines},
        exports=exports.EXPORTS, single=single,
    )


@bp.get("/staff/dashboard")
@staff_required
def dashboard():
    """Every community the staff member or admin covers, side by side (one for community staff)."""
    communities = communities_for(current_user)
    return render_template("oversight/dashboard.html", **_dashboard(communities, _period(), single=len(communities) == 1))


@bp.get("/staff/dashboard/<int:community_id>")
@staff_required
def dashboard_community(community_id: int):
    community = load_or_404(get_unit, community_id)
    if community.level != Level.COMMUNITY.value:
        abort(404)
    return render_template("oversight/dashboard.html", **_dashboard([community], _period(), single=True))


@bp.get("/staff/exports/<int:community_id>/<what>.<fmt>")
@staff_required
def export(community_id: int, what: str, fmt: str):
    community = load_or_404(get_unit, community_id)
    if community.level != Level.COMMUNITY.value or what not in exports.EXPORTS or fmt not in ("csv", "xlsx"):
        abort(404)
    period = _period()
    title, header, rows = exports.EXPORTS[what]
    filename = f"{what}-{community.id}-{period.key}.{fmt}"
    generator = rows(community.id, *period.window)
    if fmt == "csv":
        return csv_stream(filename, header, generator)
    return xlsx_stream(filename, str(title), header, generator)
