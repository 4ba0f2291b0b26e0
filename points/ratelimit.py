"""Rate limits on the `limits` library: in memory for one process, in Redis when several workers share them.

A limit string ("10/5minutes") is parsed once per process and its item reused: parsing it on every call cost a
check-in about a millisecond of CPU.
"""
from __future__ import annotations

from functools import lru_cache

from flask import Flask, current_app
from limits import RateLimitItem, parse, storage, strategies


def init_app(app: Flask) -> None:
    backend = storage.storage_from_string(app.config["RATELIMIT_STORAGE_URI"])
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


def clear(limit: str, *key: str) -> None:
    limiter: strategies.FixedWindowRateLimiter = current_app.extensions["points_ratelimit"]
    limiter.clear(item(limit), *key)
