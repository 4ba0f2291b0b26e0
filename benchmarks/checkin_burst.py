"""500 residents scan the venue poster of one meeting, against `points serve` over real HTTP.

    python benchmarks/checkin_burst.py                       # SQLite
    python benchmarks/checkin_burst.py --pg postgresql://postgres@127.0.0.1:5432/points_bench
    python benchmarks/checkin_burst.py --mode paced          # the same 500 spread over one minute

For each database the script
1. builds a fresh schema with the migrations and seeds one community, a venue, a meeting under way and the
   residents (plus a few for warming up);
2. starts `points serve` (gunicorn, the production server: --workers/--threads as given) and fires the scans:
   each resident's phone, already logged in, opens GET /v/<poster token> (that request is the check-in; its
   302 to the result page is the answer). In `burst` mode `--clients` keep-alive connections send them as fast
   as the server answers; in `paced` mode the scans arrive evenly over `--seconds`;
3. starts the floor, a bare Flask app under the same gunicorn settings whose endpoint does one INSERT into the
   same database, and sends it the same number of requests the same way;
4. checks the books: every resident checked in once, nothing else; `points ledger verify` clean.

Residents' sessions are signed with the server's SECRET_KEY by the script, as a phone that stays logged in
would carry them, so that the run measures scanning rather than 500 password hashes. Not run in CI.
"""
from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from points.cli import default_workers  # noqa: E402  (the server's own default, so the benchmark runs what operators run)

SECRET = "benchmark-secret-key"
WARMUP = 24


# ---------------------------------------------------------------------------------------------------------
# Set-up


def app_for(url: str):
    from points import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})


def fresh_database(url: str) -> None:
    from sqlalchemy import create_engine, inspect, text

    from points.config import normalise_database_url

    engine = create_engine(normalise_database_url(url))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        else:
            for table in inspect(conn).get_table_names():
                conn.execute(text(f'DROP TABLE IF EXISTS "{table}"'))
    engine.dispose()


def seed(url: str, residents: int) -> dict:
    """Migrate, then one community with a venue, a meeting under way and `residents` + WARMUP residents."""
    from points.accounts import services as accounts
    from points.accounts.models import Role
    from points.accounts.permissions import SYSTEM
    from points.checkin import services
    from points.checkin.models import VenueKind
    from points.cli import upgrade_database
    from points.db import utcnow
    from points.db import db
    from points.units.models import Level
    from points.units.services import create_unit

    app = app_for(url)
    with app.app_context():
        upgrade_database()
        district = create_unit("蚌山区", Level.DISTRICT)
        street = create_unit("宏业村街道", Level.STREET, parent=district)
        community = create_unit("第一社区", Level.COMMUNITY, parent=street)
        compound = create_unit("红叶小区", Level.COMPOUND, parent=community)
        buildings = [create_unit(f"{n}号楼", Level.BUILDING, parent=compound) for n in range(1, 11)]
        staff = accounts.register_resident(name="社工小李", phone="13800000001", password="benchmark1", unit=buildings[0])
        accounts.grant_role(staff, Role.STAFF, community, admin=SYSTEM)
        people = [
            accounts.create_resident(staff=staff, name=f"居民{i:04d}", unit=buildings[i % len(buildings)])
            for i in range(residents + WARMUP)
        ]
        venue = services.create_venue(staff=staff, unit=compound, name="红叶小区睦邻议事点", brand="红叶亭话", kind=VenueKind.CORNER)
        now = utcnow()
        meeting = services.schedule_meeting(staff=staff, venue=venue, title="楼道照明改造", starts_at=now - timedelta(minutes=5),
                                            ends_at=now + timedelta(hours=2), now=now - timedelta(days=1))
        serializer = app.session_interface.get_signing_serializer(app)
        cookies = [serializer.dumps({"_user_id": p.get_id(), "_fresh": False}) for p in people]
        result = {"venue": venue.poster_token, "meeting": meeting.id, "cookies": cookies, "ids": [p.id for p in people]}
        db.session.commit()
        db.engine.dispose()
    return result


def queries_per_scan(url: str, scene: dict) -> tuple[int, int]:
    """SQL statements for one scan request (and of them, writes), with a test client: a resident's first scan (it
    creates their wallet), after one uncounted scan that created the community's chain head and accounts."""
    from sqlalchemy import event

    from points.db import db

    app = app_for(url)
    counted = []
    first = app.test_client()  # outside the app context below, which would keep this request's user in `g`
    first.set_cookie("session", scene["cookies"][-2])
    assert first.get(f"/v/{scene['venue']}").status_code == 302
    with app.app_context():
        engine = db.engine

        def count(conn, cursor, statement, *args):
            counted.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        client = app.test_client()
        client.set_cookie("session", scene["cookies"][-1])
        response = client.get(f"/v/{scene['venue']}")
        assert response.status_code == 302, response.status_code
        event.remove(engine, "before_cursor_execute", count)
        db.engine.dispose()
    writes = [s for s in counted if not s.lstrip().upper().startswith(("SELECT", "BEGIN", "PRAGMA"))]
    return len(counted), len(writes)


def verify(url: str, scene: dict, expected: int) -> dict:
    from sqlalchemy import func, select

    from points.checkin.models import Checkin
    from points.db import db
    from points.ledger.models import Transaction
    from points.ledger.verify import verify_ledger

    app = app_for(url)
    with app.app_context():
        successes = db.session.scalar(select(func.count(Checkin.id)).where(Checkin.is_success))
        attempts = db.session.scalar(select(func.count(Checkin.id)))
        distinct = db.session.scalar(select(func.count(func.distinct(Checkin.resident_id))).where(Checkin.is_success))
        awards = db.session.scalar(select(func.count(Transaction.id)).where(Transaction.cause_type == "checkin"))
        report = verify_ledger()
        db.engine.dispose()
    return {"successes": successes, "attempts": attempts, "distinct": distinct, "awards": awards,
            "verify_ok": report.ok, "expected": expected, "problems": [str(p) for p in report.problems[:3]]}


# ---------------------------------------------------------------------------------------------------------
# Servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(port: int, process: subprocess.Popen, path: str = "/healthz", timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not start")


def start_points(url: str, port: int, args, log: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": url, "SECRET_KEY": SECRET}
    command = [sys.executable, "-m", "flask", "--app", "points:create_app", "serve", "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(args.workers), "--threads", str(args.threads)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    wait_until_up(port, process)
    return process


def start_floor(url: str, port: int, args, log: Path) -> subprocess.Popen:
    command = [sys.executable, __file__, "floor-server", "--db", url, "--port", str(port),
               "--workers", str(args.workers), "--threads", str(args.threads)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT)
    wait_until_up(port, process)
    return process


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()


def floor_server(db_url: str, port: int, workers: int, threads: int) -> None:
    """The floor: Flask, one INSERT per request into the same database, the same gunicorn settings."""
    from flask import Flask, redirect
    from gunicorn.app.base import BaseApplication
    from sqlalchemy import Column, DateTime, Integer, MetaData, Table, create_engine, event, func, insert

    from points.config import normalise_database_url

    url = normalise_database_url(db_url)
    sqlite = url.startswith("sqlite")
    metadata = MetaData()
    table = Table("bench_floor", metadata, Column("id", Integer, primary_key=True), Column("resident_id", Integer),
                  Column("created_at", DateTime(timezone=True), server_default=func.now()))
    engine = create_engine(url, connect_args={"timeout": 30} if sqlite else {})
    if sqlite:  # the same connection set-up as the app: WAL, synchronous NORMAL
        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.close()
    metadata.drop_all(engine)
    metadata.create_all(engine)
    engine.dispose()

    app = Flask("floor")

    @app.get("/floor/<int:resident_id>")
    def floor(resident_id: int):
        with engine.begin() as conn:
            conn.execute(insert(table).values(resident_id=resident_id))
        return redirect("/done")

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    class Server(BaseApplication):
        def load_config(self) -> None:
            for key, value in {"bind": f"127.0.0.1:{port}", "workers": workers, "threads": threads,
                               "worker_class": "gthread", "accesslog": "-", "timeout": 60}.items():
                self.cfg.set(key, value)

        def load(self):
            return app

    Server().run()


def floor_rows(url: str) -> int:
    from sqlalchemy import create_engine, text

    from points.config import normalise_database_url

    engine = create_engine(normalise_database_url(url))
    with engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM bench_floor")).scalar()
    engine.dispose()
    return count


# ---------------------------------------------------------------------------------------------------------
# Load


def machine_cpu() -> tuple[float, float] | None:
    """(busy, all) CPU seconds of the whole machine since boot, from /proc/stat; None where there is none."""
    try:
        ticks = [int(t) for t in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except (OSError, ValueError):
        return None
    hz = os.sysconf("SC_CLK_TCK")
    return (sum(ticks) - ticks[3] - ticks[4]) / hz, sum(ticks) / hz  # not idle, not waiting for I/O


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    busy: float = float("nan")  # share of the machine's CPUs busy during the run
    server_cpu_ms: float = float("nan")  # CPU per request spent outside this client process: server and database

    def summary(self) -> dict:
        lat = sorted(self.latencies)

        def pct(p: float) -> float:
            return lat[min(len(lat) - 1, int(round(p / 100 * len(lat) + 0.5)) - 1)] * 1000 if lat else float("nan")

        return {"requests": len(lat) + len(self.errors), "errors": len(self.errors), "seconds": self.elapsed,
                "per_second": len(lat) / self.elapsed if self.elapsed else 0.0, "p50": pct(50), "p95": pct(95),
                "p99": pct(99), "max": lat[-1] * 1000 if lat else float("nan"), "mean": statistics.fmean(lat) * 1000 if lat else 0,
                "busy": self.busy, "server_cpu_ms": self.server_cpu_ms}


def fire(port: int, requests: list[tuple[str, str | None]], *, clients: int, paced_seconds: float | None) -> Run:
    """Send (path, session cookie) requests over `clients` keep-alive connections; a 302 is a success."""
    run = Run()
    lock = threading.Lock()
    cursor = iter(enumerate(requests))
    start_at = time.perf_counter() + 0.2
    interval = paced_seconds / len(requests) if paced_seconds else 0.0

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                item = next(cursor, None)
            if item is None:
                break
            index, (path, cookie) = item
            if interval:
                delay = start_at + index * interval - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
            headers = {"Cookie": f"session={cookie}", "User-Agent": "checkin-burst"} if cookie else {"User-Agent": "checkin-burst"}
            began = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 302 and "/login" not in (response.getheader("Location") or "")
                problem = None if ok else f"HTTP {response.status} {response.getheader('Location')}"
            except (OSError, http.client.HTTPException) as error:
                problem = f"{type(error).__name__}: {error}"
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            took = time.perf_counter() - began
            with lock:
                if problem:
                    run.errors.append(problem)
                else:
                    run.latencies.append(took)
        conn.close()

    while time.perf_counter() < start_at:
        time.sleep(0.01)
    began, cpu, mine = time.perf_counter(), machine_cpu(), time.process_time()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    run.elapsed = time.perf_counter() - began
    cpu_after, mine = machine_cpu(), time.process_time() - mine
    if cpu is not None and cpu_after is not None and cpu_after[1] > cpu[1]:
        busy = cpu_after[0] - cpu[0]
        run.busy = busy / (cpu_after[1] - cpu[1])
        run.server_cpu_ms = (busy - mine) / len(requests) * 1000
    return run


# ---------------------------------------------------------------------------------------------------------
# Report


def bench(label: str, url: str, args, workdir: Path) -> dict:
    print(f"\n=== {label}: {urlsplit(url).scheme} · {args.residents} residents · {args.clients} clients · "
          f"{args.workers} workers × {args.threads} threads · mode {args.mode}", flush=True)
    fresh_database(url)
    t = time.perf_counter()
    scene = seed(url, args.residents)
    print(f"seeded {args.residents + WARMUP} residents, one venue, one meeting under way in {time.perf_counter() - t:.1f} s")
    total, writes = queries_per_scan(url, scene)
    print(f"one scan request runs {total} SQL statements ({writes} writes), counted in-process "
          "(a resident's first: it creates their wallet)")

    port = free_port()
    server = start_points(url, port, args, workdir / f"points-{label}.log")
    try:
        path = f"/v/{scene['venue']}"
        warm = [(path, c) for c in scene["cookies"][args.residents:-2]]  # the last two scanned in-process
        warm_run = fire(port, warm, clients=args.clients, paced_seconds=None)
        for error in warm_run.errors[:5]:
            print("  warm-up error:", error)
        if warm_run.errors:  # the server's log, before its folder goes: the warm-up counts in the books too
            print((workdir / f"points-{label}.log").read_text()[-3000:])
        scans = fire(port, [(path, c) for c in scene["cookies"][:args.residents]], clients=args.clients,
                     paced_seconds=args.seconds if args.mode == "paced" else None)
    finally:
        stop(server)
    books = verify(url, scene, args.residents + len(warm) + 2)

    port = free_port()
    floor = start_floor(url, port, args, workdir / f"floor-{label}.log")
    try:
        fire(port, [(f"/floor/{i}", None) for i in range(WARMUP)], clients=args.clients, paced_seconds=None)
        floor_run = fire(port, [(f"/floor/{i}", None) for i in range(args.residents)], clients=args.clients,
                         paced_seconds=args.seconds if args.mode == "paced" else None)
    finally:
        stop(floor)
    floor_count = floor_rows(url)

    s, f = scans.summary(), floor_run.summary()
    print(f"{'':10} {'req':>5} {'err':>4} {'secs':>6} {'per s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7}"
          f" {'CPU busy':>8} {'server CPU ms/req':>17}")
    for name, r in (("check-in", s), ("floor", f)):
        print(f"{name:10} {r['requests']:>5} {r['errors']:>4} {r['seconds']:>6.2f} {r['per_second']:>7.1f} "
              f"{r['p50']:>7.1f} {r['p95']:>7.1f} {r['p99']:>7.1f} {r['max']:>7.1f} {r['busy']:>8.0%} {r['server_cpu_ms']:>17.2f}")
    print("(CPU busy: the machine's CPUs during the run, so near 100% means CPU-bound, not lock-bound; server CPU: "
          "app workers and database per request, this client's own CPU taken out: the whole machine's, so in paced "
          "mode the rest of the machine's background work dominates it)")
    ratio = s["per_second"] / f["per_second"] if f["per_second"] else float("nan")
    print(f"check-in throughput = {ratio:.0%} of the floor's (issue 11: ≥ 30%, aim 50%); p99 {s['p99']:.0f} ms (target < 200 ms)")
    print(f"books: {books['successes']} successful check-ins of {books['distinct']} residents in {books['attempts']} attempts, "
          f"{books['awards']} awards, ledger verify {'clean' if books['verify_ok'] else 'FAILED ' + '; '.join(books['problems'])}; "
          f"floor rows {floor_count}")
    for error in (scans.errors + floor_run.errors)[:5]:
        print("  error:", error)
    good = (s["errors"] == 0 and f["errors"] == 0 and books["verify_ok"] and books["successes"] == books["expected"]
            and books["distinct"] == books["expected"] and books["awards"] == books["expected"])
    return {"label": label, "scans": s, "floor": f, "books": books, "ok": good, "ratio": ratio}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=500)
    parser.add_argument("--clients", type=int, default=8, help="concurrent keep-alive connections")
    parser.add_argument("--workers", type=int, default=default_workers(), help="default: `points serve`'s")
    parser.add_argument("--threads", type=int, default=1, help="default: `points serve`'s")
    parser.add_argument("--mode", choices=["burst", "paced"], default="burst")
    parser.add_argument("--seconds", type=float, default=60.0, help="paced mode: spread the scans over this long")
    parser.add_argument("--pg", help="PostgreSQL URL to run against too (its schema is dropped and rebuilt)")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPUs; Python {sys.version.split()[0]}; server and clients share it")
    results = []
    with tempfile.TemporaryDirectory(prefix="checkin-burst-") as tmp:
        workdir = Path(tmp)
        if not args.no_sqlite:
            results.append(bench("sqlite", f"sqlite:///{workdir / 'points.sqlite3'}", args, workdir))
        if args.pg:
            results.append(bench("postgresql", args.pg, args, workdir))
    if not all(r["ok"] for r in results):
        print("\nFAILED: errors, or the books do not show exactly one check-in and one award per resident")
        sys.exit(1)


if __name__ == "__main__":
    if sys.argv[1:2] == ["floor-server"]:
        floor_args = argparse.ArgumentParser()
        floor_args.add_argument("--db")
        floor_args.add_argument("--port", type=int)
        floor_args.add_argument("--workers", type=int)
        floor_args.add_argument("--threads", type=int)
        parsed = floor_args.parse_args(sys.argv[2:])
        floor_server(parsed.db, parsed.port, parsed.workers, parsed.threads)
    else:
        main()
