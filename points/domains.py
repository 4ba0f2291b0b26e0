"""How a domain plugs itself in: each domain package's `init_app(app)` registers its parts here.

`create_app` lists the domains once (`DOMAINS`, lowest first) and calls each package's `init_app(app)`. That
function registers the domain's blueprints and CLI commands with Flask directly, and everything the core and the
lower domains look up at run time with the app's `Registry`:

- `checker(name, fn)`: a verify checker, run by `points ledger verify` after the ledger's own checks;
- `demo_loader(fn)`: demo data, run by `points demo` in domain order with one shared context dict;
- `community_hint(fn)`: `next path -> community id or None`, so registration can start in the right community;
- `home(endpoint)`: where a logged-in person lands;
- `earning_action(action)`: a way to earn points (a `ledger.earning.EarningAction`) that the domain awards; the
  rules page and the admin's rules page list whatever is declared;
- `wallet_panel(fn)`: `resident, lifetime earned -> Markup or None`, a panel a higher domain shows on the wallet (levels).

The registry lives on the app (`app.extensions["points"]`), so two apps in one process (tests) never share one.
Core modules (this one, db, web, demo, cli) import no domain: they ask the registry.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module
from typing import Any, Callable

from flask import Flask, current_app

# Lowest first: a domain may import the ones before it, never the ones after it.
DOMAINS = ("units", "accounts", "ledger", "checkin", "bank", "proposals", "standing")

Checker = Callable[[Any], None]  # receives the verify Report and adds problems to it
DemoLoader = Callable[[dict], None]
CommunityHint = Callable[[str], "int | None"]


@dataclass
class Registry:
    checkers: list[tuple[str, Checker]] = field(default_factory=list)
    demo_loaders: list[DemoLoader] = field(default_factory=list)
    community_hints: list[CommunityHint] = field(default_factory=list)
    home_endpoint: str = "web.index"
    earning_actions: dict[str, Any] = field(default_factory=dict)
    wallet_panels: list[Callable[..., Any]] = field(default_factory=list)

    def checker(self, name: str, fn: Checker) -> None:
        if name not in [n for n, _ in self.checkers]:
            self.checkers.append((name, fn))

    def demo_loader(self, fn: DemoLoader) -> None:
        if fn not in self.demo_loaders:
            self.demo_loaders.append(fn)

    def community_hint(self, fn: CommunityHint) -> None:
        if fn not in self.community_hints:
            self.community_hints.append(fn)

    def home(self, endpoint: str) -> None:
        self.home_endpoint = endpoint

    def earning_action(self, action: Any) -> None:
        if self.earning_actions.setdefault(action.code, action) is not action:
            raise ValueError(f"earning action {action.code!r} is declared twice")

    def wallet_panel(self, fn: Callable[..., Any]) -> None:
        if fn not in self.wallet_panels:
            self.wallet_panels.append(fn)


def registry(app: Flask | None = None) -> Registry:
    app = app or current_app
    return app.extensions.setdefault("points", Registry())


def init_domains(app: Flask) -> None:
    registry(app)
    for name in DOMAINS:
        import_module(f"{__package__}.{name}").init_app(app)
