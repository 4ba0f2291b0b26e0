"""Simplified Chinese first, English second. The choice lives in the session cookie, so it works logged out."""
from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, has_request_context, session
from flask_babel import Babel, get_locale
from markupsafe import Markup, escape

babel = Babel()


def select_locale() -> str:
    lang = session.get("lang") if has_request_context() else None
    return lang if lang in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]


def translation_directories() -> str:
    """Each domain package keeps its own catalogue (points/<domain>/translations); Flask-Babel merges them."""
    package = Path(__file__).resolve().parent
    dirs = [package / "translations"] + sorted(p for p in package.glob("*/translations") if p.is_dir())
    return ";".join(str(d) for d in dirs)


def parens(text: object) -> str:
    """A remark after what it qualifies: "举手表决" → "（举手表决）" in Chinese text, which takes full-width
    brackets and no space before them; " (show of hands)" in English. Write `{{ a }}{{ b|parens }}`, no space."""
    if str(get_locale() or "").startswith("zh"):
        return f"（{text}）"
    return f" ({text})"


def _parens_filter(value: object) -> Markup:
    return Markup(parens(escape(value)))  # the value is escaped; the brackets are ours


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", translation_directories())
    babel.init_app(app, locale_selector=select_locale)
    app.add_template_filter(_parens_filter, "parens")
