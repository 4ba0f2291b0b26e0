"""`load_demo()`: every domain's demo data, in domain order, sharing one context dict.

Names follow the seeds (the Bengshan report's 宏业村街道第一社区 and its branded venues such as 红叶亭话). Each
domain registers its loader in its `init_app` (`registry(app).demo_loader`); a loader reads what lower domains
put in the context (units, people) and adds its own. `context["logins"]` collects the logins to print.
"""
from __future__ import annotations

from .db import db
from .domains import registry


def load_demo() -> list[tuple[str, str, str]]:
    context: dict = {"logins": []}
    for loader in registry().demo_loaders:
        loader(context)
    db.session.commit()
    return context["logins"]
