"""Profile the three hot writes in-process, single-threaded: a scan, an award, a redemption request.

    python benchmarks/profile_writes.py                                   # SQLite, this checkout
    python benchmarks/profile_writes.py --pg postgresql://postgres@127.0.0.1:5432/points_bench
    python benchmarks/profile_writes.py --before c278192 [--pg …]         # also an old commit, same run: a table

For each database it builds a fresh schema with the migrations, seeds one community (staff, residents with
points, a venue with a meeting under way, a reward in stock) and then times, one after another in one thread:

- scan: a logged-in resident's GET /v/<poster token> through Flask's test client (the request that checks in;
  its 302 is the answer), and apart from it the result page it redirects to;
- award: `ledger.award(resident, MEETING_ATTENDED, key=…, cause=…)`, the service call;
- redemption: `bank.request_redemption(resident, reward, token=…)`, the service call;
- wallet: a resident's GET /wallet (a read, so that nothing here slows reads).

It reports CPU milliseconds per request (`time.process_time`, so waiting for the database server is not counted:
on PostgreSQL the server's own CPU is apart), SQL statements per request (every statement the engine sends), and
the top functions by cumulative time from cProfile. With `--before REV` it also runs itself on that commit's
tree (`git archive`, in a temporary folder) on the same machine in the same run, and prints before/after.
Not run in CI.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import subprocess
import sys
import tarfile
import tempfile
import time
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve()
SECRET = "profile-secret-key"
WRITES = ("scan", "result", "award", "redemption", "wallet")


def _root_from_argv() -> Path:
    if "--root" in sys.argv:
        return Path(sys.argv[sys.argv.index("--root") + 1])
    return HERE.parent.parent


ROOT = _root_from_argv()
sys.path.insert(0, str(ROOT))


def app_for(url: str):
    from points import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                       # the limits are part of the cost, but must not refuse the profile's own traffic
                       "CHECKIN_RATE_LIMIT": "100000/minute", "CHECKIN_SCAN_RATE_LIMIT": "100000/minute"})


# The same as checkin_burst.py's on purpose: `--before` runs this file alone inside an old commit's tree, so it
# imports nothing from the other benchmarks.
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


def seed(app, n: int) -> dict:
    from points.accounts import services as accounts
    from points.accounts.models import Role
    from points.accounts.permissions import SYSTEM
    from points.bank import services as bank
    from points.checkin import services as checkin
    from points.checkin.models import VenueKind
    from points.cli import upgrade_database
    from points.db import db, utcnow
    from points.ledger import services as ledger
    from points.units.models import Level
    from points.units.services import create_unit

    with app.app_context():
        upgrade_database()
        district = create_unit("蚌山区", Level.DISTRICT)
        street = create_unit("宏业村街道", Level.STREET, parent=district)
        community = create_unit("第一社区", Level.COMMUNITY, parent=street)
        compound = create_unit("红叶小区", Level.COMPOUND, parent=community)
        building = create_unit("1号楼", Level.BUILDING, parent=compound)
        staff = accounts.register_resident(name="社工小李", phone="13800000001", password="profile-1", unit=building)
        accounts.grant_role(staff, Role.STAFF, community, admin=SYSTEM)
        people = [accounts.create_resident(staff=staff, name=f"居民{i:04d}", unit=building) for i in range(n)]
        for p in people:
            # Under the four-eyes threshold (50), so that it books at once on every commit compared.
            ledger.award_manually(p, 40, staff=staff, reason="profile", key=f"profile:{p.id}")
        venue = checkin.create_venue(staff=staff, unit=compound, name="睦邻议事点", brand="红叶亭话", kind=VenueKind.CORNER)
        now = utcnow()
        checkin.schedule_meeting(staff=staff, venue=venue, title="楼道照明改造", starts_at=now - timedelta(minutes=5),
                                 ends_at=now + timedelta(hours=2), now=now - timedelta(days=1))
        partner = bank.create_partner(community, staff=staff, name="红叶超市")
        reward = bank.create_reward(community, bank.RewardDetails(name="洗衣液", price=10, partner_id=partner.id),
                                    staff=staff, first_donation=n * 4)
        serializer = app.session_interface.get_signing_serializer(app)
        scene = {"venue": venue.poster_token, "reward": reward.id, "ids": [p.id for p in people],
                 "cookies": [serializer.dumps({"_user_id": p.get_id(), "_fresh": False}) for p in people]}
        db.session.commit()
    return scene


class Counter:
    """Counts statements, and keeps the text of the first request's."""

    def __init__(self) -> None:
        self.n = 0
        self.first: list[str] | None = None
        self.current: list[str] = []

    def __call__(self, conn, cursor, statement, *args) -> None:
        self.n += 1
        if self.first is None:
            self.current.append(" ".join(statement.split()))

    def request_done(self) -> None:
        if self.first is None:
            self.first = self.current


def measure(app, scene: dict, n: int, profile_top: int) -> dict:
    """Each write n times (the first few warm up and are not counted), timed and counted, then profiled."""
    from sqlalchemy import event

    from points.accounts.models import Resident
    from points.bank import services as bank
    from points.bank.models import Reward
    from points.checkin.earning import MEETING_ATTENDED
    from points.db import db
    from points.ledger import services as ledger

    warm = 3
    people = scene["ids"]
    results: dict[str, dict] = {}

    def scan(i: int) -> str:
        client = app.test_client()
        client.set_cookie("session", scene["cookies"][i])
        response = client.get(f"/v/{scene['venue']}")
        assert response.status_code == 302, (response.status_code, response.get_data(as_text=True)[:300])
        return response.headers["Location"]

    locations: dict[int, str] = {}

    def do(kind: str, i: int):
        if kind == "scan":
            locations[i] = scan(i)
        elif kind == "result":
            client = app.test_client()
            client.set_cookie("session", scene["cookies"][i])
            response = client.get(locations[i])
            assert response.status_code == 200, response.status_code
        elif kind == "wallet":
            client = app.test_client()
            client.set_cookie("session", scene["cookies"][i])
            response = client.get("/wallet")
            assert response.status_code == 200, response.status_code
        elif kind == "award":
            with app.app_context():  # as a request would: its own context and session
                resident = db.session.get(Resident, people[i])
                outcome = ledger.award(resident, MEETING_ATTENDED, key=f"profile-award:{i}", cause=("profile", i), points=5)
                assert outcome.awarded
        elif kind == "redemption":
            with app.app_context():
                resident = db.session.get(Resident, people[i])
                reward = db.session.get(Reward, scene["reward"])
                bank.request_redemption(resident, reward, token=f"profile-{i}")

    with app.app_context():
        engine = db.engine
    if True:  # each request or service call below runs in its own app context, as in production
        for kind in WRITES:
            counter = Counter()
            for i in range(warm):
                do(kind, i)
            event.listen(engine, "before_cursor_execute", counter)
            cpu, wall = time.process_time(), time.perf_counter()
            half = warm + (n - warm) // 2
            for i in range(warm, half):
                do(kind, i)
                counter.request_done()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            event.remove(engine, "before_cursor_execute", counter)
            timed = half - warm
            profiler = cProfile.Profile()
            profiler.enable()
            for i in range(half, n):
                do(kind, i)
            profiler.disable()
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats("cumulative").print_stats(profile_top + 12)
            results[kind] = {"cpu_ms": cpu / timed * 1000, "wall_ms": wall / timed * 1000, "statements": counter.n / timed,
                             "requests": timed, "profile": _trim(out.getvalue(), profile_top),
                             "statement_list": counter.first or []}
    return results


PLUMBING = ("werkzeug/test.py", "flask/testing.py", "flask/app.py", "profile_writes.py", "{built-in method builtins.exec}")


def _trim(text: str, top: int) -> str:
    """The profile's table without the test client's and Flask's dispatch frames (every request has them)."""
    lines = [line for line in text.splitlines() if line.strip()]
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    root = str(ROOT) + "/"
    kept = [line.replace(root, "").replace(sys.prefix + "/lib/", "") for line in lines[start:]]
    return "\n".join([kept[0], *[line for line in kept[1:] if not any(p in line for p in PLUMBING)][:top]])


def run_here(args) -> dict:
    results = {}
    with tempfile.TemporaryDirectory(prefix="profile-writes-") as tmp:
        urls = [("sqlite", f"sqlite:///{Path(tmp) / 'points.sqlite3'}")]
        if args.pg:
            urls.append(("postgresql", args.pg))
        for label, url in urls:
            fresh_database(url)
            app = app_for(url)
            scene = seed(app, args.requests)
            results[label] = measure(app, scene, args.requests, args.top)
            with app.app_context():
                from points.db import db

                db.engine.dispose()
    return results


def run_at(revision: str, args) -> dict:
    """This same script, run on `revision`'s tree (exported from git) in a subprocess."""
    with tempfile.TemporaryDirectory(prefix="profile-before-") as tmp:
        archive = subprocess.run(["git", "-C", str(HERE.parent.parent), "archive", revision], check=True, capture_output=True).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        command = [sys.executable, str(HERE), "--root", tmp, "--json", "-", "--requests", str(args.requests), "--top", str(args.top)]
        if args.pg:
            command += ["--pg", args.pg]
        done = subprocess.run(command, check=True, capture_output=True, text=True, cwd=tmp,
                              env={**os.environ, "PYTHONPATH": tmp})
        return json.loads(done.stdout.split("\n@@JSON@@\n", 1)[1])


def print_profiles(label: str, results: dict) -> None:
    for db_name, kinds in results.items():
        for kind, r in kinds.items():
            print(f"\n--- {label} · {db_name} · {kind}: {r['cpu_ms']:.2f} CPU ms, {r['statements']:.1f} SQL statements per request "
                  f"(wall {r['wall_ms']:.2f} ms; {r['requests']} timed)")
            if r.get("statement_list"):
                print(f"statements of one {kind} request:")
                for statement in r["statement_list"]:
                    print(f"  {statement[:150]}")
            print(r["profile"])


def print_table(after: dict, before: dict | None, revision: str | None) -> None:
    print(f"\nmachine: {os.cpu_count()} CPUs; Python {sys.version.split()[0]}; in-process, one thread; "
          "CPU ms = process time per request; SQL = statements per request")
    head = f"{'database':11} {'request':11} {'CPU ms':>8} {'SQL':>5}"
    if before:
        head = f"{'database':11} {'request':11} {'CPU ms before':>14} {'after':>7} {'×':>6} {'SQL before':>11} {'after':>6}"
    print(head)
    for db_name, kinds in after.items():
        for kind, r in kinds.items():
            if before and db_name in before and kind in before[db_name]:
                b = before[db_name][kind]
                print(f"{db_name:11} {kind:11} {b['cpu_ms']:>14.2f} {r['cpu_ms']:>7.2f} {b['cpu_ms'] / r['cpu_ms']:>5.1f}× "
                      f"{b['statements']:>11.1f} {r['statements']:>6.1f}")
            else:
                print(f"{db_name:11} {kind:11} {r['cpu_ms']:>8.2f} {r['statements']:>5.1f}")
    if before:
        print(f"(before = commit {revision}, measured in this same run)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=120, help="of each kind: half timed, half profiled")
    parser.add_argument("--top", type=int, default=14, help="functions shown per profile")
    parser.add_argument("--pg", help="PostgreSQL URL to run against too (its schema is dropped and rebuilt)")
    parser.add_argument("--before", metavar="REV", help="also profile this git revision, and print before/after")
    parser.add_argument("--quiet", action="store_true", help="only the table, no profiles")
    parser.add_argument("--json", help="write the figures to this file ('-': stdout, after a marker)")
    parser.add_argument("--root", help=argparse.SUPPRESS)
    args = parser.parse_args()
    before = run_at(args.before, args) if args.before else None
    after = run_here(args)
    if args.json == "-":
        print("\n@@JSON@@\n" + json.dumps(after))
        return
    if args.json:
        Path(args.json).write_text(json.dumps({"after": after, "before": before}, ensure_ascii=False, indent=1))
    if not args.quiet:
        if before:
            print_profiles(f"before ({args.before})", before)
        print_profiles("now", after)
    print_table(after, before, args.before)


if __name__ == "__main__":
    main()
