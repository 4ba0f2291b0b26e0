"""Public pages: the notice board (公示栏), the printable notice (公示) and the case file (一事一档)."""
from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _

from ...forms import int_arg
from ...qr import qr_svg
from ...units.services import get_unit
from .. import services
from ..models import PUBLIC_STATES
from .common import S, bp, visible


@bp.get("/board")
def board():
    community_id = int_arg(request.args, "community")
    state = request.args.get("state") or None
    page = int_arg(request.args, "page") or 1
    items, more = services.board(community_id=community_id, state=state, page=page)
    community = get_unit(community_id) if community_id else None
    return render_template("proposals/board.html", items=items, more=more, page=page, community=community,
                           state=state, states=[s for s in S if s in PUBLIC_STATES])


@bp.get("/<int:proposal_id>/notice")
def notice(proposal_id: int):
    proposal = visible(proposal_id)
    if proposal.published_at is None:
        abort(404)
    url = url_for("proposals.case", proposal_id=proposal.id, _external=True)
    return render_template("proposals/notice.html", p=proposal, qr=qr_svg(url, title=_("The case online")), url=url)


@bp.get("/<int:proposal_id>/file")
def case_file(proposal_id: int):
    proposal = visible(proposal_id)
    return render_template("proposals/file.html", p=proposal, file=services.case_file(proposal))
