"""Staff pages: the topics, a case's page and every step on it, entering a suggestion for a resident, settings.
Screening steps also take council members (`screenable`)."""
from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice

from ... import clock
from ...accounts import services as accounts
from ...accounts.models import Role
from ...accounts.permissions import community_or_404, has_role, load_or_404, staff_required
from ...checkin import services as checkin
from ...errors import DomainError
from ...forms import apply_error, int_arg
from ...i18n import parens
from ...web import ActionForm
from .. import services
from ..forms import (
    AnswerForm, DecisionForm, MergeForm, NoteForm, OwnerForm, RejectForm, ScheduleForm, SettingsForm, StaffSuggestForm,
    UpdateForm, WorkingDaysForm,
)
from ..models import OPEN_TOPIC_STATES, Proposal
from .common import back, bp, files_of, run, screenable, staff_ids, suggest_choices


@bp.get("/staff")
@staff_required
def staff_home():
    ids = staff_ids()
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
    reject = forms.get("reject") or RejectForm(formdata=None)
    reject.negative_item.choices = [SelectChoice("", _("— none —"))] + [
        SelectChoice(i.id, i.name) for i in services.negative_list_of(proposal.community_id)]
    merge = forms.get("merge") or MergeForm(formdata=None)
    merge.into.choices = [SelectChoice(p.id, f"#{p.id} {p.title}") for p in services.cases_in([proposal.community_id])
                          if p.status in OPEN_TOPIC_STATES and p.id != proposal.id]
    schedule = forms.get("schedule") or ScheduleForm(formdata=None)
    schedule.venue.choices = [SelectChoice(v.id, v.display_name) for v in checkin.venues_in([proposal.community_id], active_only=True)]
    decision = forms.get("decision") or DecisionForm(formdata=None)
    decision.vote.choices = [SelectChoice(v.id, v.question + parens(f"{v.yes}/{v.no}/{v.abstain}"))
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
    return run(services.accept_proposal, proposal, _("Accepted as a topic."), staff=True, actor=current_user,
                note=form.note.data or "")


@bp.post("/staff/<int:proposal_id>/reject")
def staff_reject(proposal_id: int):
    proposal = screenable(proposal_id)
    form = RejectForm()
    if not form.validate_on_submit():
        flash(_("Please give a reason."), "error")
        return back(proposal, True)
    return run(services.reject_proposal, proposal, _("Not taken up; the proposer is told why."), staff=True,
                actor=current_user, reason=form.reason.data, negative_item_id=form.negative_item.data)


@bp.post("/staff/<int:proposal_id>/merge")
def staff_merge(proposal_id: int):
    proposal = screenable(proposal_id)
    form = MergeForm()
    if not form.validate_on_submit():
        flash(_("Choose the topic to merge into."), "error")
        return back(proposal, True)
    target = services.get_proposal(form.into.data)
    if target is None or target.community_id != proposal.community_id:
        flash(_("Choose the topic to merge into."), "error")
        return back(proposal, True)
    return run(services.merge_proposal, proposal, _("Merged; the proposer is now a co-proposer."), staff=True,
                into=target, actor=current_user)


@bp.post("/staff/<int:proposal_id>/schedule")
@staff_required
def staff_schedule(proposal_id: int):
    proposal = load_or_404(services.get_proposal, proposal_id)
    form = ScheduleForm()
    form.venue.choices = [SelectChoice(v.id, v.display_name) for v in checkin.venues_in([proposal.community_id], active_only=True)]
    if form.validate_on_submit():
        venue = checkin.get_venue(form.venue.data)
        stakeholders, unknown = _stakeholders(form.stakeholders.data, proposal) if form.invite.data == "council" \
            else ([], [])
        if venue is None or venue.community_id != proposal.community_id:
            form.venue.errors = [_("Choose a venue.")]
        elif unknown:
            form.stakeholders.errors = [_("No resident of this community: %(codes)s", codes="、".join(unknown))]
        else:
            starts = clock.to_utc(form.start.data)
            try:
                meeting = services.schedule_deliberation(
                    proposal, staff=current_user, venue=venue, title=form.title.data or proposal.title,
                    starts_at=starts, ends_at=starts + timedelta(hours=form.hours.data), invite=form.invite.data,
                    stakeholders=stakeholders)
            except DomainError as error:
                apply_error(form, error)
            else:
                flash(_("Meeting scheduled."), "success")
                return redirect(url_for("checkin_staff.meeting", meeting_id=meeting.id))
    return _staff_case_page(proposal, 400, schedule=form)


def _stakeholders(text: str | None, proposal: Proposal) -> tuple[list, list[str]]:
    """The residents named by member code or phone number, one a line; and the lines naming nobody of the case's
    community."""
    found, unknown = [], []
    for line in (text or "").splitlines()[:50]:
        line = line.strip()
        if not line:
            continue
        resident = accounts.resident_by_member_code(line) or accounts.resident_by_phone(line)
        if resident is None or resident.community_id != proposal.community_id:
            unknown.append(line[:20])
        elif resident not in found:
            found.append(resident)
    return found, unknown


@bp.post("/staff/<int:proposal_id>/decide")
@staff_required
def staff_decide(proposal_id: int):
    proposal = load_or_404(services.get_proposal, proposal_id)
    form = DecisionForm()
    vote = checkin.get_vote(form.vote.data) if form.validate_on_submit() else None
    if vote is None:
        flash(_("Choose the vote the decision comes from."), "error")
        return back(proposal, True)
    return run(lambda p, **kw: services.record_decision(p, staff=current_user, **kw), proposal,
                _("Decision recorded."), staff=True, vote=vote, text=form.text.data or "")


def _staff_step(name: str, call, done: str):
    @staff_required
    def view(proposal_id: int):
        proposal = load_or_404(services.get_proposal, proposal_id)
        if not ActionForm().validate_on_submit():
            abort(400)
        return run(lambda p: call(p, current_user), proposal, str(done), staff=True)

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
        return back(proposal, True)
    try:
        services.answer_objection(objection, staff=current_user, answer=form.answer.data)
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        flash(_("Answer recorded; the resident is told."), "success")
    return back(proposal, True)


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
            return back(proposal, True)
    return _staff_case_page(proposal, 400, owner=form)


@bp.post("/staff/<int:proposal_id>/update")
@staff_required
def staff_update(proposal_id: int):
    proposal = load_or_404(services.get_proposal, proposal_id)
    form = UpdateForm()
    if form.validate_on_submit():
        try:
            services.post_update(proposal, author=current_user, text=form.text.data, photo_files=files_of(form.photos))
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("Progress posted."), "success")
            return back(proposal, True)
    return _staff_case_page(proposal, 400, update=form)


@bp.route("/staff/new", methods=["GET", "POST"])
@staff_required
def staff_suggest():
    """Staff enter a suggestion for a resident without a phone; the resident is the proposer and is credited."""
    form = StaffSuggestForm()
    resident = accounts.resident_by_member_code(form.member_code.data or "") if form.member_code.data else None
    if resident is not None and resident.community_id not in staff_ids():
        resident = None
    who = resident or current_user
    suggest_choices(form, who)
    if form.validate_on_submit():
        if resident is None:
            form.member_code.errors = [_("No resident of your community has this member code.")]
        else:
            try:
                proposal = services.submit_proposal(
                    resident, title=form.title.data, description=form.description.data,
                    category_id=form.category.data, unit_id=form.unit.data, is_anonymous=form.is_anonymous.data,
                    photo_files=files_of(form.photos), token=form.token.data, actor=current_user)
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
    return _settings_page(community, form, status=400 if form.errors else 200)


def _settings_page(community, form: SettingsForm, *, days_form: WorkingDaysForm | None = None, status: int = 200):
    """The settings page; admins of the community also edit its own working days there."""
    if days_form is None and has_role(current_user, Role.ADMIN, community):
        days_form = WorkingDaysForm(formdata=None, working_days=services.working_day_lines(community.id))
    return render_template("proposals/staff_settings.html", form=form, community=community,
                           days_form=days_form), status


@bp.post("/staff/settings/working-days")
@staff_required
def staff_working_days():
    community = community_or_404(int_arg(request.args, "community"))
    if not has_role(current_user, Role.ADMIN, community):
        abort(403)
    form = WorkingDaysForm()
    if form.validate_on_submit():
        try:
            count = services.save_working_days(community, admin=current_user, text=form.working_days.data or "")
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("Working days saved: %(n)d of the community's own.", n=count), "success")
            return redirect(url_for("proposals.staff_settings", community=community.id))
    settings = SettingsForm(formdata=None, obj=services.settings_for(community.id))
    settings.categories.data = "\n".join(c.name for c in services.categories_of(community.id))
    settings.negative_items.data = "\n".join(i.name for i in services.negative_list_of(community.id))
    return _settings_page(community, settings, days_form=form, status=400)
