"""The resident's side: suggest, my suggestions, a case and what a resident does on it, its photos; the inbox (消息)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ... import clock
from ...errors import DomainError
from ...forms import apply_error
from ...photos import SIZES, photo_path
from ...web import ActionForm
from .. import services
from ..forms import NoteForm, RateForm, ReasonForm, SuggestForm
from ..models import NEXT_STEP, PROPOSAL_PHOTOS
from .common import S, back, bp, files_of, may_see, of_my_community, run, suggest_choices, visible


@bp.route("/new", methods=["GET", "POST"])
@login_required
def suggest():
    form = SuggestForm()
    suggest_choices(form, current_user)
    if form.validate_on_submit():
        try:
            proposal = services.submit_proposal(
                current_user, title=form.title.data, description=form.description.data,
                category_id=form.category.data, unit_id=form.unit.data, is_anonymous=form.is_anonymous.data,
                photo_files=files_of(form.photos), token=form.token.data)
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("Thank you! Your suggestion was sent."), "success")
            return redirect(url_for("proposals.case", proposal_id=proposal.id))
    return render_template("proposals/suggest.html", form=form), 400 if form.errors or form.form_errors else 200


@bp.get("/mine")
@login_required
def mine():
    return render_template("proposals/mine.html", proposals=services.proposals_of(current_user), next_step=NEXT_STEP)


@bp.get("/<int:proposal_id>")
def case(proposal_id: int):
    proposal = visible(proposal_id)
    file = services.case_file(proposal)
    me = current_user if current_user.is_authenticated else None
    return render_template(
        "proposals/case.html", p=proposal, file=file, next_step=NEXT_STEP[proposal.status], me=me,
        following=bool(me) and services.is_following(proposal, me),
        may_rate=bool(me) and proposal.status in (S.DONE, S.CONFIRMED) and services.may_rate(me, proposal)
        and not services.has_rated(proposal, me) and clock.now() < proposal.rating_until,
        may_object=bool(me) and proposal.status == S.PUBLICISED and me.community_id == proposal.community_id
        and clock.now() < proposal.objection_until,
        is_proposer=bool(me) and me.id == proposal.proposer_id,
        may_claim=bool(me) and proposal.status == S.IMPLEMENTING and proposal.owner_kind is None
        and me.is_party_member and me.community_id == proposal.community_id,
        is_screener=bool(me) and services.may_screen(me, proposal.community),
        rate_form=RateForm(formdata=None), reason_form=ReasonForm(formdata=None), note_form=NoteForm(formdata=None),
    )


@bp.post("/<int:proposal_id>/follow")
@login_required
def follow(proposal_id: int):
    proposal = of_my_community(proposal_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    wanted = request.form.get("follow") != "0"
    return run(lambda p, **kw: services.follow_proposal(p, **kw), proposal,
                _("You follow this case.") if wanted else _("You no longer follow this case."),
                resident=current_user, follow=wanted)


@bp.post("/<int:proposal_id>/object")
@login_required
def object_(proposal_id: int):
    proposal = of_my_community(proposal_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Please give a reason."), "error")
        return back(proposal)
    return run(services.raise_objection, proposal, _("Your objection was recorded; staff will answer it."),
                resident=current_user, reason=form.reason.data)


@bp.post("/<int:proposal_id>/rate")
@login_required
def rate(proposal_id: int):
    proposal = of_my_community(proposal_id)
    form = RateForm()
    if not form.validate_on_submit():
        flash(_("Choose 1 to 5 stars."), "error")
        return back(proposal)
    return run(services.rate_proposal, proposal, _("Thank you for your rating."), resident=current_user,
                stars=form.stars.data, comment=form.comment.data)


@bp.post("/<int:proposal_id>/confirm")
@login_required
def confirm(proposal_id: int):
    proposal = of_my_community(proposal_id)
    form = NoteForm()
    if not form.validate_on_submit():
        abort(400)
    return run(services.confirm_completion, proposal, _("You confirmed the case is done."), resident=current_user,
                note=form.note.data or "")


@bp.post("/<int:proposal_id>/dispute")
@login_required
def dispute(proposal_id: int):
    proposal = of_my_community(proposal_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Please give a reason."), "error")
        return back(proposal)
    return run(services.dispute_completion, proposal, _("The case goes back to implementation."),
                resident=current_user, reason=form.reason.data)


@bp.post("/<int:proposal_id>/claim")
@login_required
def claim(proposal_id: int):
    proposal = of_my_community(proposal_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return run(services.claim_task, proposal, _("You lead this task now."), resident=current_user)


@bp.get("/<int:proposal_id>/photos/<token>-<size>.jpg")
def photo(proposal_id: int, token: str, size: str):
    proposal = services.get_proposal(proposal_id)
    if proposal is None or not may_see(proposal) or size not in SIZES or not token.isalnum():
        abort(404)
    tokens = set(proposal.photo_tokens)
    tokens.update(t for u in services.case_file(proposal).updates for t in u.photo_tokens)
    if token not in tokens:
        abort(404)
    path = photo_path(PROPOSAL_PHOTOS, token, size)
    if not path.exists():
        abort(404)
    response = send_file(path, mimetype="image/jpeg", max_age=86400)
    response.headers["Cache-Control"] = "private, max-age=86400" if not proposal.is_public else "public, max-age=86400"
    return response


# ------------------------------------------------------------------ inbox (消息)


@bp.get("/inbox")
@login_required
def inbox():
    items = services.inbox_of(current_user)
    return render_template("proposals/inbox.html", items=[(n, services.wording(n), services.link_of(n)) for n in items])


@bp.post("/inbox/<int:notification_id>")
@login_required
def inbox_open(notification_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        notification = services.open_notification(notification_id, resident=current_user)
    except DomainError:
        abort(404)
    return redirect(services.link_of(notification) or url_for("proposals.inbox"))


@bp.post("/inbox/read")
@login_required
def inbox_read_all():
    if ActionForm().validate_on_submit():
        services.mark_all_read(current_user)
    return redirect(url_for("proposals.inbox"))
