"""Every catalogue is complete and its committed .mo matches its .po (a stale .mo shows English to residents)."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

CATALOGUES = sorted(Path(__file__).resolve().parent.parent.glob("points/**/translations/zh/LC_MESSAGES/messages.po"))


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: str(p.parent.parent.parent.parent.name))
def test_catalogue_is_complete_and_compiled(po_path: Path):
    with po_path.open("rb") as f:
        catalogue = read_po(f, locale="zh")
    untranslated = [m.id for m in catalogue if m.id and not m.string]
    assert untranslated == []
    compiled = io.BytesIO()
    write_mo(compiled, catalogue, use_fuzzy=True)
    assert po_path.with_suffix(".mo").read_bytes() == compiled.getvalue(), "run: python scripts/translations.py compile"
