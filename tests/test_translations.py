"""Every catalogue is complete and its committed .mo carries exactly the .po's translations.

A stale .mo shows English to residents. The comparison is by message, not by byte: the compiled file's header
(`Generated-By: Babel x.y`, dates) depends on the Babel version that compiled it, and a new Babel release must
not fail the suite on a fresh machine.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

CATALOGUES = sorted(Path(__file__).resolve().parent.parent.glob("points/**/translations/zh/LC_MESSAGES/messages.po"))


def _messages(catalogue) -> dict:
    """(context, id) → translation, for every message but the header; plural forms as tuples."""
    return {
        (m.context, m.id if isinstance(m.id, str) else tuple(m.id)): m.string if isinstance(m.string, str) else tuple(m.string)
        for m in catalogue
        if m.id
    }


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: str(p.parent.parent.parent.parent.name))
def test_catalogue_is_complete_and_compiled(po_path: Path):
    with po_path.open("rb") as f:
        source = read_po(f, locale="zh")
    untranslated = [m.id for m in source if m.id and not m.string]
    assert untranslated == []
    with po_path.with_suffix(".mo").open("rb") as f:
        compiled = read_mo(f)
    assert _messages(compiled) == _messages(source), "run: python scripts/translations.py compile"


def test_a_stale_compiled_catalogue_is_caught(tmp_path: Path):
    """The comparison above notices a translation changed in the .po but not compiled."""
    po_path = CATALOGUES[0]
    with po_path.open("rb") as f:
        source = read_po(f, locale="zh")
    with po_path.with_suffix(".mo").open("rb") as f:
        compiled = read_mo(f)
    first = next(m for m in source if m.id)
    first.string = first.string + "（改）"
    assert _messages(compiled) != _messages(source)


def test_every_shared_message_id_translates_the_same_in_every_catalogue():
    """Flask-Babel merges the domains' catalogues: a message id two of them share must read the same in both, or one
    domain's wording silently replaces the other's on its pages (the bank's test does this for the bank alone)."""
    seen: dict[tuple, tuple[str, object]] = {}
    clashes = []
    for path in CATALOGUES:
        with path.open("rb") as f:
            for key, text in _messages(read_po(f, locale="zh")).items():
                owner, first = seen.setdefault(key, (path.parent.parent.parent.parent.name, text))
                if text and first and text != first:
                    clashes.append((key[1], owner, first, path.parent.parent.parent.parent.name, text))
    assert clashes == []
