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
- `wallet_panel(fn)`: `resident, lifetime earned -> Markup or None`, a panel a higher domain shows on the wallet (levels);
- `staff_panel(fn)`: `staff member, their communities -> Markup or None`, a panel on the staff 工作台 (today's
  meetings and their desks, the approval queue, hand-over): what waits for staff, one tap from the landing page;
- `rules_section(fn)`: `community -> Markup or None`, a section a higher domain adds to the public rules page;
- `figure(name, fn, by=…, label=…)`: a figure provider (below);
- `breakdown(name, fn, label=…)`: a figure split by a key (suggestions by stage, by category): `fn(community_ids,
  start, end)` returns `{community id: [(label, number), …]}` in the order to show, one SQL GROUP BY; the
  dashboard shows each as a table and a chart;
- `checkable_kind(kind)`: a higher domain's kind of thing one checks into (`checkin/checkable.py`), an object with
  `prefix` (the letter its kiosk codes start with), `get(id)`, `by_kiosk_token(token)` and `open_at(venue, moment)`
  (the things of that kind whose check-in or check-out window at the venue is open), so the check-in package
  serves it without importing it; the kind's services call `checkin.services.expect_checkable(venue,
  open_until=…)` when they schedule or move a thing, since scans ask `open_at` only while a venue expects one;
- `case_source(source)`: the proposal workflow's cases, for a lower domain that links its things to one (a
  volunteer activity serves a case in implementation, 办) without importing proposals: an object with
  `open_cases(community_ids)` (the cases in implementation there, as `CaseRef`s, oldest first) and `get(id)` (a
  `CaseRef`, or None). Read them through `Registry.open_cases` and `Registry.case`, which answer nothing when no
  domain provides cases.

Figure providers: a domain whose figures live in its own tables (volunteer hours, proposal outcomes, party members'
claimed tasks) shares them with standing (honour roll, badges, indices) and oversight (dashboard) without either
importing it. `fn(community_ids, start, end)` returns `{id: number}` for the window `[start, end)` (aware UTC,
from `points.clock`), aggregated in SQL; `by` says whose ids: `"resident"`, `"community"`, or `"compound"` (the
compounds and grids 小区/网格 directly below the communities asked for: what lies in the compound's subtree).
Unregistered figures read as nothing (zero). The names the readers look for:

  by resident:  volunteer_hours (confirmed), tasks_claimed, tasks_done, tasks_done_on_time, task_rating_avg (1-5)
  by community: volunteer_hours, volunteer_hours_pending, matters_total, matters_concluded, matters_on_time,
                matter_rating_avg (1-5), suggestions_open, suggestions_overdue, and any other a domain wants shown
                on the dashboard (every community figure registered is listed there under its label)
  by compound:  volunteer_hours, matters_total, matters_concluded, matters_on_time, matter_rating_avg
  breakdowns:   suggestions_by_stage, suggestions_by_category (the dashboard shows every one registered)

The registry lives on the app (`app.extensions["points"]`), so two apps in one process (tests) never share one.
Core modules (this one, db, web, demo, cli) import no domain: they ask the registry.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module
from typing import Any, Callable

from flask import Flask, current_app

# Lowest first: a domain may import the ones before it, never the ones after it.
DOMAINS = ("units", "accounts", "ledger", "checkin", "bank", "volunteering", "proposals", "standing", "oversight")

Checker = Callable[[Any], None]  # receives the verify Report and adds problems to it
DemoLoader = Callable[[dict], None]
CommunityHint = Callable[[str], "int | None"]
FigureFn = Callable[[Any, Any, Any], "dict[int, float]"]  # (community ids, start, end) -> {id: number}
FIGURE_BY = ("resident", "community", "compound")
BreakdownFn = Callable[[Any, Any, Any], "dict[int, list[tuple[str, float]]]"]  # -> {community id: [(label, number)]}


@dataclass(frozen=True)
class Figure:
    name: str
    by: str
    fn: FigureFn
    label: Any = ""


@dataclass(frozen=True)
class CaseRef:
    """A case of the proposal workflow as a lower domain sees it: enough to offer it, show it and check a link."""

    id: int
    title: str
    community_id: int
    is_implementing: bool  # in implementation (办) now: new links are taken only then


@dataclass(frozen=True)
class Breakdown:
    name: str
    fn: BreakdownFn
    label: Any = ""


@dataclass
class Registry:
    checkers: list[tuple[str, Checker]] = field(default_factory=list)
    demo_loaders: list[DemoLoader] = field(default_factory=list)
    community_hints: list[CommunityHint] = field(default_factory=list)
    home_endpoint: str = "web.index"
    earning_actions: dict[str, Any] = field(default_factory=dict)
    wallet_panels: list[Callable[..., Any]] = field(default_factory=list)
    staff_panels: list[Callable[..., Any]] = field(default_factory=list)
    rules_sections: list[Callable[..., Any]] = field(default_factory=list)
    figures: dict[tuple[str, str], Figure] = field(default_factory=dict)
    breakdowns: dict[str, Breakdown] = field(default_factory=dict)
    checkable_kinds: dict[str, Any] = field(default_factory=dict)
    cases: Any = None  # the one `case_source`

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

    def staff_panel(self, fn: Callable[..., Any]) -> None:
        if fn not in self.staff_panels:
            self.staff_panels.append(fn)

    def rules_section(self, fn: Callable[..., Any]) -> None:
        if fn not in self.rules_sections:
            self.rules_sections.append(fn)

    def figure(self, name: str, fn: FigureFn, *, by: str, label: Any = "") -> None:
        if by not in FIGURE_BY:
            raise ValueError(f"a figure is by one of {FIGURE_BY}, not {by!r}")
        if self.figures.setdefault((by, name), Figure(name, by, fn, label or name)).fn is not fn:
            raise ValueError(f"figure {name!r} by {by} is provided twice")

    def figure_values(self, name: str, *, by: str, community_ids: Any, start: Any, end: Any) -> dict[int, float]:
        """The provider's numbers for the window, or {} when no domain provides the figure (yet)."""
        figure = self.figures.get((by, name))
        return dict(figure.fn(list(community_ids), start, end)) if figure is not None else {}

    def breakdown(self, name: str, fn: BreakdownFn, *, label: Any = "") -> None:
        if self.breakdowns.setdefault(name, Breakdown(name, fn, label or name)).fn is not fn:
            raise ValueError(f"breakdown {name!r} is provided twice")

    def checkable_kind(self, kind: Any) -> None:
        if self.checkable_kinds.setdefault(kind.prefix, kind) is not kind:
            raise ValueError(f"checkable kind {kind.prefix!r} is declared twice")

    def case_source(self, source: Any) -> None:
        if self.cases is not None and self.cases is not source:
            raise ValueError("cases are provided twice")
        self.cases = source

    def open_cases(self, community_ids: Any) -> list[CaseRef]:
        return list(self.cases.open_cases(list(community_ids))) if self.cases is not None else []

    def case(self, case_id: int | None) -> CaseRef | None:
        return self.cases.get(case_id) if self.cases is not None and case_id else None


def registry(app: Flask | None = None) -> Registry:
    app = app or current_app
    return app.extensions.setdefault("points", Registry())


def init_domains(app: Flask) -> None:
    registry(app)
    for name in DOMAINS:
        import_module(f"{__package__}.{name}").init_app(app)
