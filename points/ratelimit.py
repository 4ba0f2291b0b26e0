"""Rate limits on the `limits` library: in memory for one process, in Redis when several workers share them."""
from __future__ import annotations

from flask import Flask, current_app
from limits import parse, storage, strategies


def init_app(app: Flask) -> None:
    backend = storage.storage_from_string(app.config["RATELIMIT_STORAGE_URI"])
    app.extensions["points_ratelimit"] = strategies.FixedWindowRateLimiter(backend)


def hit(limit: str, *key: str) -> bool:
    """Count one attempt against `limit` ("10/5minutes") for `key`; False once the limit is exceeded."""
    limiter: strategies.FixedWindowRateLimiter = current_app.extensions["points_ratelimit"]
    return limiter.hit(parse(limit), *key)


def allows(limit: str, *key: str) -> bool:
    """Whether one more attempt would still be within `limit` (counts nothing)."""
    limiter: strategies.FixedWindowRateLimiter = current_app.extensions["points_ratelimit"]
    return limiter.test(parse(limit), *key)


def clear(limit: str, *key: str) -> None:
    limiter: strategies.FixedWindowRateLimiter = current_app.extensions["points_ratelimit"]
    limiter.clear(parse(limit), *key)
