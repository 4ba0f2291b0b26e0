"""Rate limits on the `limits` library: by default in a file every worker of the machine shares (ratelimit_store),
in Redis when several app servers share them; `memory://` (one process only) for tests.

A limit string ("10/5minutes") is parsed once per process and its item reused.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from flask import Flask, current_app
from limits import RateLimitItem, parse, storage, strategies


def init_app(app: Flask) -> None:
    from . import ratelimit_store  # registers the shared file store's scheme with `limits`

    uri = app.config.get("RATELIMIT_STORAGE_URI") or f"{ratelimit_store.SCHEME}://{Path(app.instance_path) / 'ratelimits.sqlite3'}"
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    backend = storage.storage_from_string(uri)
    app.extensions["points_ratelimit"] = strategies.FixedWindowRateLimiter(backend)


@lru_cache(maxsize=64)
def item(limit: str) -> RateLimitItem:
    """The parsed limit, cached: items are immutable, and settings name a handful of limits."""
    return parse(limit)


def hit(limit: str, *key: str) -> bool:
    """Count one attempt against `limit` ("10/5minutes") for `key`; False once the limit is exceeded."""
    limiter: strategies.FixedWindowRateLimiter = current_app.extensions["points_ratelimit"]
    return limiter.hit(item(limit), *key)


def allows(limit: str, *key: str) -> bool:
    """Whether one more attempt would still be within `limit` (counts nothing)."""
    limiter: strategies.FixedWindowRateLimiter = current_app.extensions["points_ratelimit"]
    return limiter.test(item(limit), *key)


def forgive(limit: str, *key: str) -> None:
    """Take back one attempt counted by `hit` (a login that turned out right)."""
    limiter: strategies.FixedWindowRateLimiter = current_app.extensions["points_ratelimit"]
    parsed = item(limit)
    limiter.storage.incr(parsed.key_for(*key), parsed.get_expiry(), amount=-1)


def clear(limit: str, *key: str) -> None:
    limiter: strategies.FixedWindowRateLimiter = current_app.extensions["points_ratelimit"]
    limiter.clear(item(limit), *key)
