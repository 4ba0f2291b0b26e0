"""Standing (§8): levels from lifetime earned points; badges and the honour roll will join here.

It reads what the ledger records and shows it on the wallet through a wallet panel; the ledger knows nothing of it.
"""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from ..domains import registry
    from . import levels

    registry(app).wallet_panel(levels.wallet_panel)
