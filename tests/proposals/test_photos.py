"""Photos follow the transaction that stores them: in place on commit, gone on rollback (no orphans)."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from points import events, photos
from points.db import transaction
from points.errors import DomainError
from points.proposals import services
from points.proposals.models import PROPOSAL_PHOTOS, ProposalState as S


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 200), (20, 120, 200)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def uploads(app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    return tmp_path / "uploads" / PROPOSAL_PHOTOS


def files_in(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_a_committed_suggestion_has_its_photo_files_and_nothing_partial(scene, uploads):
    proposal = scene.submit(photo_files=[jpeg()])
    token = proposal.photo_tokens[0]
    assert files_in(uploads) == [f"{token}-large.jpg", f"{token}-thumb.jpg"]


def test_a_refused_second_photo_leaves_no_file_of_the_first(scene, uploads):
    with pytest.raises(DomainError) as error:
        scene.submit(photo_files=[jpeg(), b"not a photo"])
    assert error.value.code == "invalid_photo"
    assert files_in(uploads) == []


def test_a_service_failing_after_the_photos_were_stored_leaves_no_file(scene, uploads):
    def refuse(sender, **payload):
        raise RuntimeError("the database said no")

    with events.connected(events.proposal_submitted, refuse), pytest.raises(RuntimeError):
        scene.submit(photo_files=[jpeg(), jpeg()])
    assert files_in(uploads) == []


def test_a_nested_service_that_fails_takes_its_photos_with_it(scene, uploads):
    proposal, _ = scene.walk(S.IMPLEMENTING)

    @transaction
    def post_then_carry_on():
        with pytest.raises(DomainError):  # the first photo is stored, the second refused: the savepoint rolls back
            services.post_update(proposal, author=scene.staff, text="换了灯", photo_files=[jpeg(), b"junk"])
        return services.post_update(proposal, author=scene.staff, text="换了灯", photo_files=[jpeg()])

    update = post_then_carry_on()
    token = update.photo_tokens[0]
    assert files_in(uploads) == [f"{token}-large.jpg", f"{token}-thumb.jpg"]


def test_outside_a_service_a_photo_is_stored_at_once(app, ctx, uploads):
    token = photos.store(jpeg(), PROPOSAL_PHOTOS)
    assert files_in(uploads) == [f"{token}-large.jpg", f"{token}-thumb.jpg"]
