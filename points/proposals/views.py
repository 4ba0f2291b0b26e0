"""The proposal pages (one blueprint, `proposals`): a resident suggests, follows, objects, rates and confirms; staff
screen and manage cases; anyone reads the public board (公示栏), the printable notice (公示) and the case file
(一事一档). Views load, check, call one service and redirect."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup
from wtforms import SelectChoice

from .. import clock
from ..accounts import services as accounts
from ..accounts.models import Role
from ..accounts.permissions import communities_for, community_or_404, has_role, load_or_404, staff_required
from ..checkin import services as checkin
from ..domains import registry
from ..errors import DomainError
from ..forms import apply_error, int_arg
from ..photos import SIZES, photo_path
from ..qr import qr_svg
from ..units.services import get_unit
from ..web import ActionForm
from . import services
from .forms import (
    AnswerForm, DecisionForm, MergeForm, NoteForm, OwnerForm, RateForm, ReasonForm, RejectForm, ScheduleForm,
    SettingsForm, StaffSuggestForm, SuggestForm, UpdateForm,
)
from .models import NEXT_STEP, OPEN_TOPIC_STATES, PROPOSAL_PHOTOS, PUBLIC_STATES, Proposal, ProposalState

bp = Blueprint("proposals", __name__, url_prefix="/proposals")
S = ProposalState


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    registry(app).wallet_panel(inbox_panel)

    @app.context_processor
    def _unread() -> dict:
        def unread() -> int:
            return services.unread_count(current_user) if current_user.is_authenticated else 0
        return {"unread_messages": unread}


def inbox_panel(resident, lifetime: int):
    """On the wallet: the unread messages, one tap from the inbox."""
    count = services.unread_count(resident)
    return Markup(render_template("proposals/_inbox_panel.html", count=count))


# ------------------------------------------------------------------ loading and access


def _login():
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


def may_see(proposal: Proposal) -> bool:
    """A case past screening is public; before (or rejected, merged) only its proposer and the screeners see it."""
    if proposal.is_public:
        return True
    if not current_user.is_authenticated:
        return False
    return proposal.proposer_id == current_user.id or services.may_screen(current_user, proposal.community)


def visible(proposal_id: int) -> Proposal:
    proposal = services.get_proposal(proposal_id)
    if proposal is None:
        abort(404)
    if not may_see(proposal):
        if not current_user.is_authenticated:
            abort(_login())
        abort(404)
    return proposal


def of_my_community(proposal_id: int) -> Proposal:
    """A case a resident acts on (follow, object, rate, confirm, claim): one they see, of their own community.
    Another community's case is a 404 to them, public or not."""
    proposal = visible(proposal_id)
    if current_user.community_id != proposal.community_id:
        abort(404)
    return proposal


def screenable(proposal_id: int) -> Proposal:
    """A case the user screens: staff or council of its community (others: 404, or 403 if they live there)."""
    if not current_user.is_authenticated:
        abort(_login())
    proposal = services.get_proposal(proposal_id)
    if proposal is None:
        abort(404)
    if services.may_screen(current_user, proposal.community):
        return proposal
    abort(403 if current_user.community_id == proposal.community_id else 404)


def _back(proposal: Proposal, staff: bool = False):
    """Back to the case: the staff page for staff, the case page for everyone else (council members screen there)."""
    staff = staff and has_role(current_user, Role.STAFF, proposal.community)
    return redirect(url_for("proposals.staff_case" if staff else "proposals.case", proposal_id=proposal.id))


def _run(call, proposal: Proposal, done: str, *, staff: bool = False, **kwargs):
    """Call one service; flash what happened; back to the case."""
    try:
        call(proposal, **kwargs)
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        flash(done, "success")
    return _back(proposal, staff)


def _files(field) -> list[bytes]:
    return [f.read() for f in (field.data or []) if getattr(f, "filename", "")]


# ------------------------------------------------------------------ residents


@bp.route("/new", methods=["GET", "POST"])
@login_required
def suggest():
    services.ensure_lists(current_user.community_id)
    form = SuggestForm()
    _suggest_choices(form, current_user)
    if form.validate_on_submit():
        try:
            proposal = services.submit_proposal(
                current_user, title=form.title.data, description=form.description.data,
                category_id=form.category.data, unit_id=form.unit.data, is_anonymous=form.is_anonymous.data,
                photo_files=_files(form.photos), token=form.token.data)
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("Thank you! Your suggestion was sent."), "success")
            return redirect(url_for("proposals.case", proposal_id=proposal.id))
    return render_template("proposals/suggest.html", form=form), 400 if form.errors or form.form_errors else 200


def _suggest_choices(form: SuggestForm, resident) -> None:
    form.category.choices = [SelectChoice("", _("— choose —"))] + [
        SelectChoice(c.id, c.name) for c in services.categories_of(resident.community_id)]
    units = services.affected_units(resident)
    form.unit.choices = [SelectChoice(u.id, u.name) for u in units]
    if form.unit.data is None and units:
        form.unit.data = units[0].id


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
    return _run(lambda p, **kw: services.follow_proposal(p, **kw), proposal,
                _("You follow this case.") if wanted else _("You no longer follow this case."),
                resident=current_user, follow=wanted)


@bp.post("/<int:proposal_id>/object")
@login_required
def object_(proposal_id: int):
    proposal = of_my_community(proposal_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Please give a reason."), "error")
        return _back(proposal)
    return _run(services.raise_objection, proposal, _("Your objection was recorded; staff will answer it."),
                resident=current_user, reason=form.reason.data)


@bp.post("/<int:proposal_id>/rate")
@login_required
def rate(proposal_id: int):
    proposal = of_my_community(proposal_id)
    form = RateForm()
    if not form.validate_on_submit():
        flash(_("Choose 1 to 5 stars."), "error")
        return _back(proposal)
    return _run(services.rate_proposal, proposal, _("Thank you for your rating."), resident=current_user,
                stars=form.stars.data, comment=form.comment.data)


@bp.post("/<int:proposal_id>/confirm")
@login_required
def confirm(proposal_id: int):
    proposal = of_my_community(proposal_id)
    form = NoteForm()
    if not form.validate_on_submit():
        abort(400)
    return _run(services.confirm_completion, proposal, _("You confirmed the case is done."), resident=current_user,
                note=form.note.data or "")


@bp.post("/<int:proposal_id>/dispute")
@login_required
def dispute(proposal_id: int):
    proposal = of_my_community(proposal_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Please give a reason."), "error")
        return _back(proposal)
    return _run(services.dispute_completion, proposal, _("The case goes back to implementation."),
                resident=current_user, reason=form.reason.data)


@bp.post("/<int:proposal_id>/claim")
@login_required
def claim(proposal_id: int):
    proposal = of_my_community(proposal_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return _run(services.claim_task, proposal, _("You lead this task now."), resident=current_user)


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


# ------------------------------------------------------------------ public: the board, the notice, the file


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


# ------------------------------------------------------------------ staff


def _staff_ids() -> list[int]:
    return [c.id for c in communities_for(current_user)]


@bp.get("/staff")
@staff_required
def staff_home():
    ids = _staff_ids()
    now = clock.now()
    queue = services.screening_queue(ids)
    cases = services.cases_in(ids)
    return render_template("proposals/staff_home.html", queue=queue, cases=cases, now=now,
                           overdue={p.id for p in [*queue, *cases] if services.is_overdue(p, now)})


@bp.get("/staff/<int:proposal_id>")
@staff_required
def staff_case(proposal_id: int):
    proposal = load_or_404(services.get_proposal, proposal_id)
    return _staff_case_page(proposal)


def _staff_case_page(proposal: Proposal, status: int = 200, **forms):
    services.ensure_lists(proposal.community_id)
    reject = forms.get("reject") or RejectForm(formdata=None)
    reject.negative_item.choices = [SelectChoice("", _("— none —"))] + [
        SelectChoice(i.id, i.name) for i in services.negative_list_of(proposal.community_id)]
    merge = forms.get("merge") or MergeForm(formdata=None)
    merge.into.choices = [SelectChoice(p.id, f"#{p.id} {p.title}") for p in services.cases_in([proposal.community_id])
                          if p.status in OPEN_TOPIC_STATES and p.id != proposal.id]
    schedule = forms.get("schedule") or ScheduleForm(formdata=None)
    schedule.venue.choices = [SelectChoice(v.id, v.display_name) for v in checkin.venues_in([proposal.community_id], active_only=True)]
    decision = forms.get("decision") or DecisionForm(formdata=None)
    decision.vote.choices = [SelectChoice(v.id, f"{v.question} ({v.yes}/{v.no}/{v.abstain})")
                             for v in services.votes_for(proposal)]
    return render_template(
        "proposals/staff_case.html", p=proposal, file=services.case_file(proposal), now=clock.now(),
        reject_form=reject, merge_form=merge, schedule_form=schedule, decision_form=decision,
        owner_form=forms.get("owner") or OwnerForm(formdata=None, obj=proposal),
        update_form=forms.get("update") or UpdateForm(formdata=None), note_form=NoteForm(formdata=None),
        answer_form=AnswerForm(formdata=None), overdue=services.is_overdue(proposal),
        unanswered=services.unanswered_objections(proposal),
    ), status


@bp.post("/staff/<int:proposal_id>/accept")
def staff_accept(proposal_id: int):
    proposal = screenable(proposal_id)
    form = NoteForm()
    if not form.validate_on_submit():
        abort(400)
    return _run(services.accept_proposal, proposal, _("Accepted as a topic."), staff=True, actor=current_user,
                note=form.note.data or "")


@bp.post("/staff/<int:proposal_id>/reject")
def staff_reject(proposal_id: int):
    proposal = screenable(proposal_id)
    form = RejectForm()
    if not form.validate_on_submit():
        flash(_("Please give a reason."), "error")
        return _back(proposal, True)
    return _run(services.reject_proposal, proposal, _("Not taken up; the proposer is told why."), staff=True,
                actor=current_user, reason=form.reason.data, negative_item_id=form.negative_item.data)


@bp.post("/staff/<int:proposal_id>/merge")
def staff_merge(proposal_id: int):
    proposal = screenable(proposal_id)
    form = MergeForm()
    if not form.validate_on_submit():
        flash(_("Choose the topic to merge into."), "error")
        return _back(proposal, True)
    target = services.get_proposal(form.into.data)
    if target is None or target.community_id != proposal.community_id:
        flash(_("Choose the topic to merge into."), "error")
        return _back(proposal, True)
    return _run(services.merge_proposal, proposal, _("Merged; the proposer is now a co-proposer."), staff=True,
                into=target, actor=current_user)


@bp.post("/staff/<int:proposal_id>/schedule")
@staff_required
def staff_schedule(proposal_id: int):
    proposal = load_or_404(services.get_proposal, proposal_id)
    form = ScheduleForm()
    form.venue.choices = [SelectChoice(v.id, v.display_name) for v in checkin.venues_in([proposal.community_id], active_only=True)]
    if form.validate_on_submit():
        venue = checkin.get_venue(form.venue.data)
        if venue is None or venue.community_id != proposal.community_id:
            form.venue.errors = [_("Choose a venue.")]
        else:
            starts = clock.to_utc(form.start.data)
            try:
                meeting = services.schedule_deliberation(
                    proposal, staff=current_user, venue=venue, title=form.title.data or proposal.title,
                    starts_at=starts, ends_at=starts + timedelta(hours=form.hours.data), audience=form.audience.data)
            except DomainError as error:
                apply_error(form, error)
            else:
                flash(_("Meeting scheduled."), "success")
                return redirect(url_for("checkin_staff.meeting", meeting_id=meeting.id))
    return _staff_case_page(proposal, 400, schedule=form)


@bp.post("/staff/<int:proposal_id>/decide")
@staff_required
def staff_decide(proposal_id: int):
    proposal = load_or_404(services.get_proposal, proposal_id)
    form = DecisionForm()
    vote = checkin.get_vote(form.vote.data) if form.validate_on_submit() else None
    if vote is None:
        flash(_("Choose the vote the decision comes from."), "error")
        return _back(proposal, True)
    return _run(lambda p, **kw: services.record_decision(p, staff=current_user, **kw), proposal,
                _("Decision recorded."), staff=True, vote=vote, text=form.text.data or "")


def _staff_step(name: str, call, done: str):
    @staff_required
    def view(proposal_id: int):
        proposal = load_or_404(services.get_proposal, proposal_id)
        if not ActionForm().validate_on_submit():
            abort(400)
        return _run(lambda p: call(p, current_user), proposal, str(done), staff=True)

    view.__name__ = name
    bp.add_url_rule(f"/staff/<int:proposal_id>/{name.removeprefix('staff_')}", name, view, methods=["POST"])


_staff_step("staff_publish", lambda p, u: services.publish_decision(p, staff=u), _l("Published for objections."))
_staff_step("staff_close_notice", lambda p, u: services.close_notice(p, actor=u), _l("The notice period is closed."))
_staff_step("staff_done", lambda p, u: services.mark_done(p, staff=u), _l("Marked done; residents can rate it now."))
_staff_step("staff_archive", lambda p, u: services.archive_proposal(p, actor=u), _l("Archived."))


@bp.post("/staff/objections/<int:objection_id>/answer")
@staff_required
def staff_answer(objection_id: int):
    objection = load_or_404(lambda i: services.get_objection(int(i)) if str(i).isdigit() else None, objection_id)
    proposal = services.get_proposal(objection.proposal_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        flash(_("Please write the answer."), "error")
        return _back(proposal, True)
    try:
        services.answer_objection(objection, staff=current_user, answer=form.answer.data)
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        flash(_("Answer recorded; the resident is told."), "success")
    return _back(proposal, True)


@bp.post("/staff/<int:proposal_id>/owner")
@staff_required
def staff_owner(proposal_id: int):
    proposal = load_or_404(services.get_proposal, proposal_id)
    form = OwnerForm()
    if form.validate_on_submit():
        try:
            services.assign_owner(proposal, staff=current_user, owner_kind=form.owner_kind.data,
                                  owner_name=form.owner_name.data or "", due_on=form.due_on.data)
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("Owner and deadline saved."), "success")
            return _back(proposal, True)
    return _staff_case_page(proposal, 400, owner=form)


@bp.post("/staff/<int:proposal_id>/update")
@staff_required
def staff_update(proposal_id: int):
    proposal = load_or_404(services.get_proposal, proposal_id)
    form = UpdateForm()
    if form.validate_on_submit():
        try:
            services.post_update(proposal, author=current_user, text=form.text.data, photo_files=_files(form.photos))
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("Progress posted."), "success")
            return _back(proposal, True)
    return _staff_case_page(proposal, 400, update=form)


@bp.route("/staff/new", methods=["GET", "POST"])
@staff_required
def staff_suggest():
    """Staff enter a suggestion for a resident without a phone; the resident is the proposer and is credited."""
    form = StaffSuggestForm()
    resident = accounts.resident_by_member_code(form.member_code.data or "") if form.member_code.data else None
    if resident is not None and resident.community_id not in _staff_ids():
        resident = None
    who = resident or current_user
    services.ensure_lists(who.community_id)
    _suggest_choices(form, who)
    if form.validate_on_submit():
        if resident is None:
            form.member_code.errors = [_("No resident of your community has this member code.")]
        else:
            try:
                proposal = services.submit_proposal(
                    resident, title=form.title.data, description=form.description.data,
                    category_id=form.category.data, unit_id=form.unit.data, is_anonymous=form.is_anonymous.data,
                    photo_files=_files(form.photos), token=form.token.data, actor=current_user)
            except DomainError as error:
                apply_error(form, error)
            else:
                flash(_("Suggestion entered for %(name)s.", name=resident.name), "success")
                return redirect(url_for("proposals.staff_case", proposal_id=proposal.id))
    return render_template("proposals/suggest.html", form=form, for_staff=True), 400 if form.errors else 200


@bp.route("/staff/settings", methods=["GET", "POST"])
@staff_required
def staff_settings():
    community = community_or_404(int_arg(request.args, "community"))
    services.ensure_lists(community.id)
    current = services.settings_for(community.id)
    form = SettingsForm(obj=current)
    if request.method == "GET":
        form.categories.data = "\n".join(c.name for c in services.categories_of(community.id))
        form.negative_items.data = "\n".join(i.name for i in services.negative_list_of(community.id))
    if form.validate_on_submit():
        try:
            services.save_settings(community, staff=current_user, screening_days=form.screening_days.data,
                                   objection_days=form.objection_days.data, rating_days=form.rating_days.data,
                                   threshold_percent=form.threshold_percent.data,
                                   categories=form.categories.data.splitlines(),
                                   negative_items=form.negative_items.data.splitlines())
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("Settings saved."), "success")
            return redirect(url_for("proposals.staff_settings", community=community.id))
    return render_template("proposals/staff_settings.html", form=form, community=community), 400 if form.errors else 200
