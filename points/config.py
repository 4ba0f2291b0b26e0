"""Configuration: defaults → instance/config.py → environment → the test mapping."""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask


class Defaults:
    SQLALCHEMY_DATABASE_URI = None  # filled in: SQLite under instance/
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SQLALCHEMY_RECORD_QUERIES = False
    BABEL_DEFAULT_LOCALE = "zh"
    TIMEZONE = "Asia/Shanghai"  # the community's local time: days, weeks and months as residents live them
    LANGUAGES = ("zh", "en")
    WTF_CSRF_TIME_LIMIT = None  # tied to the session instead, so a slow resident never loses a form
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024
    # limits storage URI: None counts in instance/ratelimits.sqlite3, shared by the workers of one machine;
    # redis://host:6379/0 for several app servers. memory:// counts per process: tests only.
    RATELIMIT_STORAGE_URI = None
    LOGIN_RATE_LIMIT = "10/5minutes"  # failed logins per phone number
    LOGIN_CLIENT_RATE_LIMIT = "50/5minutes"  # failed logins per client address
    REGISTER_RATE_LIMIT = "5/hour"  # sign-ups per client address
    REGISTER_COMMUNITY_RATE_LIMIT = "30/hour"  # sign-ups per community
    PASSWORD_HASH_METHOD = "scrypt"  # tests use a cheap method; never lower it in production
    PROXY_FIX = 0  # number of trusted proxies in front of the app (X-Forwarded-For / -Proto)
    # The address phones reach the server at (http://192.168.1.20:8000, https://points.example.cn): every printed
    # or shown QR code (posters, kiosks) encodes it, whatever address the page itself was opened at.
    PUBLIC_BASE_URL = None
    HELP_DESK = None  # where and when residents get help, e.g. "社区党群服务中心一楼，周一至周五 9:00–17:00"


ENV_KEYS = {
    "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "SECRET_KEY": "SECRET_KEY",
    "POINTS_RATELIMIT_STORAGE_URI": "RATELIMIT_STORAGE_URI",
    "POINTS_PROXY_FIX": "PROXY_FIX",
    "POINTS_SESSION_COOKIE_SECURE": "SESSION_COOKIE_SECURE",
    "POINTS_TIMEZONE": "TIMEZONE",
    "POINTS_PUBLIC_BASE_URL": "PUBLIC_BASE_URL",
    "POINTS_HELP_DESK": "HELP_DESK",
}


def load(app: Flask, test_config: dict | None) -> None:
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    for env_name, key in ENV_KEYS.items():
        if env_name in os.environ:
            value: object = os.environ[env_name]
            if key == "PROXY_FIX":
                value = int(value)  # type: ignore[arg-type]
            elif key == "SESSION_COOKIE_SECURE":
                value = value in ("1", "true", "yes")
            app.config[key] = value
    if test_config:
        app.config.update(test_config)
    # The remember-me cookie opens the account as the session cookie does: the same protection.
    app.config.setdefault("SESSION_COOKIE_SECURE", False)
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]
    ZoneInfo(app.config["TIMEZONE"])  # a misspelt zone fails at start, not at the first award
    # Pages show times in the zone the clock counts days in, so "today" on screen is the caps' today.
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["TIMEZONE"]

    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if not uri:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        uri = "sqlite:///" + str(Path(app.instance_path) / "points.sqlite3")
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(uri)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(Path(app.instance_path))


def normalise_database_url(uri: str) -> str:
    """Accept the postgres:// and postgresql:// forms hosting platforms hand out; we drive psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if uri.startswith(prefix):
            return "postgresql+psycopg://" + uri[len(prefix):]
    return uri


def instance_secret_key(instance: Path) -> str:
    """A key generated once into instance/secret_key, so restarts keep sessions and nothing is hard-coded."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        # Written aside and linked into place, so workers starting together all read one whole key.
        tmp = instance / f".secret_key.{os.getpid()}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()
