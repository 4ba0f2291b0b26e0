"""Flask-Babel merges every domain's catalogue into one: a message id the bank shares with another catalogue must
translate the same, or the bank's wording would silently replace it on other pages (姓名 → 名称 on registration)."""
from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

PACKAGE = Path(__file__).resolve().parents[2] / "points"
BANK = PACKAGE / "bank" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"


def read(path: Path):
    with path.open("rb") as f:
        return read_po(f, locale="zh")


def test_shared_message_ids_translate_the_same_as_elsewhere():
    bank = read(BANK)
    clashes = []
    for other in PACKAGE.glob("**/translations/zh/LC_MESSAGES/messages.po"):
        if other == BANK:
            continue
        catalogue = read(other)
        for message in bank:
            theirs = catalogue.get(message.id) if message.id else None
            if theirs is not None and theirs.string and theirs.string != message.string:
                clashes.append((other.parent.parent.parent.parent.name, message.id, message.string, theirs.string))
    assert clashes == []
