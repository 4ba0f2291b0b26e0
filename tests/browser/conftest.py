"""Real Chromium on a phone viewport (360×740) against the app served over HTTP in a background thread."""
from __future__ import annotations

import io
import os
import shutil
import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from werkzeug.serving import make_server

from points import create_app
from points.db import db

CHROMIUM = os.environ.get("POINTS_CHROMIUM", "/usr/bin/chromium")
PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the browser tests: no Chromium at {CHROMIUM}")
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--no-first-run", "--disable-sync", "--disable-quic"],
        )
        yield browser
        browser.close()


class LiveServer:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(5)


@pytest.fixture
def live_app(tmp_path) -> Iterator[Flask]:
    """The app as a resident meets it: CSRF on, SQLite file, Chinese by default."""
    app = create_app({
        "SECRET_KEY": "browser-test", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'live.sqlite3'}",
        "RATELIMIT_STORAGE_URI": "memory://",
    })
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def live_server(live_app: Flask) -> Iterator[LiveServer]:
    server = LiveServer(live_app)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def phone(browser):
    """A new phone: its own cookies, 360×740, touch, Chinese locale."""
    contexts = []

    def open_phone():
        context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN")
        contexts.append(context)
        return context.new_page()

    yield open_phone
    for context in contexts:
        context.close()


def decode_qr(png: bytes) -> list[str]:
    """Every QR code a camera would read in a screenshot."""
    import zxingcpp
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    return [result.text for result in zxingcpp.read_barcodes(image)]


def assert_no_sideways_scroll(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"page scrolls sideways by {overflow}px at 360px"
