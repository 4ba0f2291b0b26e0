"""Pages that belong to no domain: the front door, language and large-type switches, health check."""
from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from sqlalchemy import text
from sqlalchemy.exc import InterfaceError, OperationalError

from . import ratelimit
from .db import db
from .domains import registry
from .forms import MAX_ID

bp = Blueprint("web", __name__)


class ActionForm(FlaskForm):
    """An empty form: it exists to put a CSRF token on a button that changes something. A page carries many of
    them (language, large type, log out, a button per row), so its hidden token has no id to repeat."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if hasattr(self, "csrf_token"):
            self.csrf_token.id = False


@bp.get("/")
def index():
    home = registry().home_endpoint
    if current_user.is_authenticated and home != "web.index":
        return redirect(url_for(home))
    return render_template("web/index.html")


@bp.post("/settings/language")
def set_language():
    lang = request.form.get("lang", "")
    if ActionForm().validate_on_submit() and lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    return redirect(safe_next(request.form.get("next")))


@bp.post("/settings/large-type")
def toggle_large_type():
    if ActionForm().validate_on_submit():
        session["large"] = not session.get("large", False)
    return redirect(safe_next(request.form.get("next")))


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for it on every page whatever the page links: answer with the icon, not a 404."""
    return current_app.send_static_file("favicon.ico")


@bp.get("/healthz")
def healthz():
    """For a load balancer or a monitor: 200 while the database answers, 503 while it does not."""
    if database_is_up():
        return {"status": "ok", "database": "ok"}
    return {"status": "error", "database": "down"}, 503, {"Retry-After": "30"}


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_nul(pairs) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in pairs)


def database_is_up() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except (OperationalError, InterfaceError):
        return False
    finally:
        db.session.rollback()


def csp_nonce() -> str:
    """This response's nonce for an inline <script> or <style> (`nonce="{{ csp_nonce() }}"` in a template)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def content_security_policy() -> str:
    """Only the app's own scripts and styles, and inline ones carrying this response's nonce; no framing, no
    plug-ins, forms post only here. Images may be data:/blob: URLs (the camera scanner draws frames)."""
    nonce = f" 'nonce-{g.csp_nonce}'" if "csp_nonce" in g else ""
    return (
        f"default-src 'self'; script-src 'self'{nonce}; style-src 'self'{nonce}; img-src 'self' data: blob:; "
        "media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
        "frame-ancestors 'none'"
    )


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths: an open redirect after login would be a phishing aid."""
    if not target:
        return default
    parts = urlsplit(target)
    # Browsers read "/\\host" as "//host"; control characters can smuggle the same.
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target or not target.isprintable():
        return default
    return target


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` that never hands the database a number it cannot store (SQLite raises OverflowError)."""

    def __init__(self, url_map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedIntConverter
    app.register_blueprint(bp)
    ratelimit.init_app(app)
    if app.config.get("PROXY_FIX"):
        n = int(app.config["PROXY_FIX"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]

    @app.context_processor
    def _page_context() -> dict:
        # formdata=None: the buttons' form only carries a CSRF token, and must not read the body (the 413
        # page is drawn for a body too large to read).
        return {"large_type": session.get("large", False), "locale": str(get_locale()),
                "action_form": ActionForm(formdata=None), "csp_nonce": csp_nonce}

    @app.before_request
    def _refuse_nul_bytes():
        """A NUL byte belongs in no path, query or form field (PostgreSQL cannot even store one): 400."""
        if "\x00" in request.path or _has_nul(request.args.items(multi=True)):
            abort(400)
        if request.method != "GET" and request.mimetype in FORM_TYPES and _has_nul(request.form.items(multi=True)):
            abort(400)

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Content-Security-Policy", content_security_policy())
        if app.config.get("SESSION_COOKIE_SECURE"):  # https is configured: browsers stay on it
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
