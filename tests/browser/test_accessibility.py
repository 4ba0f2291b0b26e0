"""The accessibility gate: every page a resident, a staff member and an admin reach in the demo (its three scenes:
check-in, the bank, the staff and admin desks), crawled from their landing page in Chromium at 360×740, in Chinese,
in normal and in large type. On each page: axe-core finds 0 violations of any impact, every link and button people
tap is at least 44×44 CSS px (WCAG 2.5.5; links inside a sentence are exempt as the guideline says), and nothing
scrolls sideways. One app and one browser for the whole module, one tab per role, so it stays well under 2 minutes."""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask

from points import create_app
from points.db import db
from points.demo import load_demo

from .conftest import PHONE, LiveServer

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
MAX_PAGES = 70  # per role: more than the demo has, so a loop in the crawl cannot run away
# Not pages: downloads, images, JSON, the printable member card's twin routes are still pages and are checked.
SKIP = re.compile(r"(\.csv$|\.xlsx$|/static/|/api/|/photos/|/healthz|/kiosk/.+/poll)")

TAP_TARGETS = """() => {
  const small = [];
  const isInline = (el) => {
    if (getComputedStyle(el).display !== 'inline') return false;
    let block = el.parentElement;
    while (block && getComputedStyle(block).display === 'inline') block = block.parentElement;
    return block && block.textContent.trim().length > el.textContent.trim().length;
  };
  for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')) {
    if (el.closest('.skip, .visually-hidden, .sr-only')) continue;
    let box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;  // not displayed (print-only, closed <details>)
    if ((el.type === 'checkbox' || el.type === 'radio') && el.closest('label')) box = el.closest('label').getBoundingClientRect();
    if (el.tagName === 'A' && isInline(el)) continue;
    if (box.height < 43.5 || box.width < 43.5) {
      small.push(`${el.tagName.toLowerCase()} "${(el.textContent || el.value || el.name || '').trim().slice(0, 30)}" ${Math.round(box.width)}×${Math.round(box.height)}`);
    }
  }
  return small;
}"""

DUPLICATE_IDS = """() => {
  const seen = {}, twice = new Set();
  for (const el of document.querySelectorAll('[id]')) { if (seen[el.id]) twice.add(el.id); seen[el.id] = true; }
  return [...twice];
}"""


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory) -> Iterator[tuple[LiveServer, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("a11y")
    app: Flask = create_app({
        "SECRET_KEY": "a11y-test", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'demo.sqlite3'}",
        "RATELIMIT_STORAGE_URI": "memory://", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "UPLOAD_FOLDER": str(folder / "uploads"), "PUBLIC_BASE_URL": "https://points.example.cn",
    })
    with app.app_context():
        db.create_all()
        logins = {role: phone for role, phone, _ in load_demo()}
    server = LiveServer(app)
    server.start()
    yield server, logins
    server.stop()
    with app.app_context():
        db.engine.dispose()


def _pattern(path: str) -> str:
    """One page per route and query shape: /bank/mine/3 and /bank/mine/4 are the same template."""
    return re.sub(r"\d+", "N", path)


def _links(page, base: str) -> list[str]:
    found = []
    for href in page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)"):
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" == base and not SKIP.search(parts.path):
            found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def _crawl_and_check(page, base: str, start: str, checked: set[str], problems: list[str], prefix: str) -> None:
    """Visit every same-site page reachable by links from `start`, one URL per route pattern, and check each one
    whose pattern no earlier role has checked in this type size."""
    todo, seen, count = [start], set(), 0
    while todo and count < MAX_PAGES:
        path = todo.pop(0)
        if _pattern(path) in seen:
            continue
        seen.add(_pattern(path))
        response = page.goto(base + path)
        if response is None or response.status >= 400 or not page.url.startswith(base):
            continue
        count += 1
        if _pattern(path) not in checked:
            checked.add(_pattern(path))
            problems += [prefix + p for p in _problems(page, path)]
        todo += [link for link in _links(page, base) if _pattern(link) not in seen]


def _problems(page, path: str) -> list[str]:
    violations = page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
        .map(v => `${v.impact} ${v.id}: ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`)""")
    problems = [f"{path} axe {v}" for v in violations]
    problems += [f"{path} tap target {t}" for t in page.evaluate(TAP_TARGETS)]
    problems += [f"{path} duplicate id {i}" for i in page.evaluate(DUPLICATE_IDS)]
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    if overflow > 0:
        problems.append(f"{path} scrolls sideways by {overflow}px")
    return problems


def _log_in(page, base: str, phone: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("密码").fill("demo12345")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login" not in url)


def _large_type(page, base: str) -> None:
    page.goto(base + "/login/forgot")
    page.locator("footer").get_by_role("button", name="大字模式").click()
    page.wait_for_selector("html.large")


@pytest.mark.parametrize("large", [False, True], ids=["normal type", "large type"])
def test_every_page_passes_axe_tap_targets_and_fits_360px(browser, demo_server, large):
    """Each role crawls from where it lands; a route pattern already checked (for another role) is not checked
    twice in the same type size, which keeps the gate fast."""
    server, logins = demo_server
    checked: set[str] = set()
    problems: list[str] = []
    prefix = "large type " if large else ""
    for role in ("anonymous", "resident", "staff", "admin"):
        context = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True, locale="zh-CN")
        context.add_init_script(path=str(AXE))  # in every page before it loads, once per context
        page = context.new_page()
        try:
            if large:
                _large_type(page, server.url)
            if role == "anonymous":
                for path in ("/", "/login", "/register", "/login/forgot", "/login/code"):
                    _crawl_and_check(page, server.url, path, checked, problems, prefix)
            else:
                _log_in(page, server.url, logins[role])
                _crawl_and_check(page, server.url, urlsplit(page.url).path, checked, problems, prefix)
        finally:
            context.close()
    assert len(checked) >= 40, sorted(checked)  # the crawl really reached the three scenes
    assert not problems, "\n".join(problems)
