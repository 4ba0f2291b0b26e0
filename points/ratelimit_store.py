"""A rate-limit store that every worker process of one machine shares: counters in a small SQLite file beside
the database (instance/ratelimits.sqlite3). It is the default, so `points serve --workers 4` counts one limit,
not four; several app servers share theirs through Redis (`POINTS_RATELIMIT_STORAGE_URI=redis://…`)."""
from __future__ import annotations

import sqlite3
import threading
import time
from urllib.parse import unquote, urlsplit

from limits.storage import Storage

SCHEME = "points+sqlite"


class SQLiteFileStorage(Storage):
    """`points+sqlite:///absolute/path.sqlite3`. Each increment is one `BEGIN IMMEDIATE` transaction, so two
    processes never both read the same count."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: float | str | bool) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path = unquote(urlsplit(uri).path)
        self._local = threading.local()
        with self._connection() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, count INTEGER NOT NULL,"
                         " expires_at REAL NOT NULL)")

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        conn, now = self._connection(), time.time()
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute("SELECT count, expires_at FROM counters WHERE key = ?", (key,)).fetchone()
            if row is None or row[1] <= now:
                count, expires_at = amount, now + expiry
            else:
                count, expires_at = row[0] + amount, row[1]
            conn.execute("INSERT OR REPLACE INTO counters (key, count, expires_at) VALUES (?, ?, ?)",
                         (key, count, expires_at))
            conn.execute("DELETE FROM counters WHERE expires_at <= ?", (now - 3600,))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return count

    def get(self, key: str) -> int:
        row = self._connection().execute("SELECT count FROM counters WHERE key = ? AND expires_at > ?",
                                         (key, time.time())).fetchone()
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._connection().execute("SELECT expires_at FROM counters WHERE key = ?", (key,)).fetchone()
        return row[0] if row else time.time()

    def check(self) -> bool:
        return self._connection().execute("SELECT 1").fetchone() == (1,)

    def reset(self) -> int | None:
        return self._connection().execute("DELETE FROM counters").rowcount

    def clear(self, key: str) -> None:
        self._connection().execute("DELETE FROM counters WHERE key = ?", (key,))
