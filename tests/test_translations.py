"""Every catalogue is complete and its committed .mo carries exactly the .po's translations.

A stale .mo shows English to residents. The comparison is by message, not by byte: the compiled file's header
(`Generated-By: Babel x.y`, dates) depends on the Babel version that compiled it, and a new Babel release must
not fail the suite on a fresh machine.
"""
from __future__ import annotations

import re
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


# ------------------------------------------------------------------ brackets in Chinese text

CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
HALF_WIDTH_BY_CHINESE = re.compile(rf"[{CJK}]\s*[()]|[()]\s*[{CJK}]")
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: str(p.parent.parent.parent.parent.name))
def test_chinese_translations_use_full_width_brackets(po_path: Path):
    with po_path.open("rb") as f:
        source = read_po(f, locale="zh")
    strings = [s for m in source if m.id for s in ([m.string] if isinstance(m.string, str) else m.string)]
    assert [s for s in strings if HALF_WIDTH_BY_CHINESE.search(s)] == []


def _template_text(source: str) -> str:
    """What a template writes itself, outside tags and expressions: where a bracket typed into it would show."""
    keep_lines = lambda m: "\n" * m.group(0).count("\n")
    text = re.sub(r"<(style|script)[^>]*>.*?</\1>", keep_lines, source, flags=re.DOTALL)
    text = re.sub(r"\{#.*?#\}|\{%.*?%\}", keep_lines, text, flags=re.DOTALL)
    text = re.sub(r"\{\{.*?\}\}", "X", text, flags=re.DOTALL)
    return re.sub(r"<[^>]*>", " ", text)


def test_templates_type_no_brackets_around_translated_text():
    """"(举手表决)" came from "({{ _('show of hands') }})": a remark's brackets come from `|parens`, full-width in Chinese."""
    found = [f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()}"
             for path in sorted(TEMPLATES.rglob("*.html"))
             for number, line in enumerate(_template_text(path.read_text(encoding="utf-8")).splitlines(), 1)
             if re.search(r"[()]", line)]
    assert found == []


def test_the_bracket_scan_sees_a_typed_bracket():
    assert re.search(r"[()]", _template_text('<span class="muted">({{ _("show of hands") }})</span>'))
    assert not re.search(r"[()]", _template_text('<a href="{{ url_for(\'x\') }}">{{ _("a (b)")|parens }}</a>'))


@pytest.mark.parametrize(("lang", "expected"), [("zh", "王芳（举手表决）"), ("en", "王芳 (举手表决)")])
def test_parens_are_full_width_in_chinese(app, lang, expected):
    from flask import render_template_string

    with app.test_request_context():
        from flask import session

        session["lang"] = lang
        assert render_template_string("{{ name }}{{ remark|parens }}", name="王芳", remark="举手表决") == expected
        escaped = render_template_string("{{ '<b>'|parens }}")
        assert "&lt;b&gt;" in escaped and "<b>" not in escaped
