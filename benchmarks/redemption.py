"""1 000 concurrent redemption requests over 50 rewards, on PostgreSQL, through real HTTP against `points serve`.

    python benchmarks/redemption.py [--database postgresql://postgres@127.0.0.1:5432/points_bench]
                                    [--residents 1000] [--rewards 50] [--stock 10] [--communities 1]
                                    [--workers N] [--threads 1] [--double-taps 0.05]

What it does, in order:
1. empties the database, migrates it (`points serve` would too) and loads, through the services: the communities,
   one staff member each, the residents (100 points each), the partners and the rewards with their first donation;
2. starts `points serve` (gunicorn) as a subprocess on a free port;
3. every resident opens a reward page (to get the form and its CSRF token, as a phone does): not timed;
4. TIMED: all residents press "redeem" at once (released together by a barrier), a share of them twice with the
   same form (a double tap); counts held / refused (out of stock, not enough points) / unexpected;
5. TIMED: staff approve every held request from the queue, concurrently, over HTTP;
6. TIMED: staff hand each one over by posting its pickup code to the hand-over scanner, concurrently;
7. runs `points ledger verify` (points and bank stock) and checks the figures against what the clients saw.

Sessions are signed with the server's SECRET_KEY by the benchmark (login is rate limited per address and would
measure the password hash instead). Everything else goes over HTTP exactly as a browser sends it.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urljoin

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from points import create_app  # noqa: E402
from points.cli import default_workers  # noqa: E402
from points.accounts import services as accounts  # noqa: E402
from points.accounts.models import Resident, Role  # noqa: E402
from points.accounts.permissions import SYSTEM  # noqa: E402
from points.bank import services as bank  # noqa: E402
from points.bank.models import Redemption, RedemptionState, Reward  # noqa: E402
from points.cli import upgrade_database  # noqa: E402
from points.db import db  # noqa: E402
from points.ledger import services as ledger  # noqa: E402
from points.ledger.models import Account, AccountKind  # noqa: E402
from points.units.models import Level  # noqa: E402
from points.units.services import create_unit  # noqa: E402

SECRET = "redemption-benchmark"
TOKEN_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
FORM_TOKEN_RE = re.compile(r'name="token" type="hidden" value="([^"]+)"')


def build(app, args) -> dict:
    rng = random.Random(4)
    started = time.perf_counter()
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade_database()
        district = create_unit("基准区", Level.DISTRICT)
        street = create_unit("基准街道", Level.STREET, parent=district)
        staff_ids, resident_ids, reward_ids = [], [], []
        for c in range(args.communities):
            community = create_unit(f"社区{c + 1}", Level.COMMUNITY, parent=street)
            home = create_unit("1号楼", Level.BUILDING, parent=create_unit("一号院", Level.COMPOUND, parent=community))
            staff = accounts.register_resident(name=f"社工{c + 1}", phone=f"138{c:08d}", password="bench-pass-1", unit=home)
            accounts.grant_role(staff, Role.STAFF, community, admin=SYSTEM)
            staff_ids.append(staff.id)
            partner = bank.create_partner(community, staff=staff, name=f"红叶超市{c + 1}")
            for r in range(args.rewards // args.communities):
                details = bank.RewardDetails(name=f"兑换品{c + 1}-{r + 1}", price=rng.choice((10, 20, 30, 40, 50)), partner_id=partner.id)
                reward_ids.append(bank.create_reward(community, details, staff=staff, first_donation=args.stock).id)
            for i in range(args.residents // args.communities):
                resident = accounts.register_resident(name=f"居民{c}-{i}", phone=f"139{c:02d}{i:06d}", password="bench-pass-1", unit=home,
                                                     confirmed_by=SYSTEM)
                # seeded as the system: 100 points is past the four-eyes threshold a staff member's award would meet
                ledger.award_manually(resident, 100, staff=SYSTEM, reason="基准测试", key=f"bench:{resident.id}")
                resident_ids.append((resident.id, c))
        # The unloaded baseline: its own residents and reward, so the burst's figures are untouched.
        first = db.session.get(Resident, staff_ids[0]).community
        home = db.session.get(Resident, staff_ids[0]).unit
        baseline_reward = bank.create_reward(first, bank.RewardDetails(name="基准品", price=10, partner_id=bank.partners_of(first.id)[0].id),
                                             staff=db.session.get(Resident, staff_ids[0]), first_donation=args.baseline)
        baseline_ids = []
        for i in range(args.baseline):
            resident = accounts.register_resident(name=f"基准{i}", phone=f"137{i:08d}", password="bench-pass-1", unit=home,
                                                 confirmed_by=SYSTEM)
            ledger.award_manually(resident, 100, staff=SYSTEM, reason="基准测试", key=f"bench:{resident.id}")
            baseline_ids.append(resident.id)
        db.session.commit()
        baseline = {"reward": baseline_reward.id, "residents": baseline_ids}
    print(f"setup: {args.communities} communities, {len(resident_ids)} residents × 100 points, {len(reward_ids)} rewards × "
          f"{args.stock} units (price 10–50), built in {time.perf_counter() - started:.0f} s")
    return {"staff": staff_ids, "residents": resident_ids, "rewards": reward_ids, "baseline": baseline}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(args, port: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": args.database, "SECRET_KEY": SECRET, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", "from points.cli import main; main()", "serve", "--port", str(port),
               "--workers", str(args.workers), "--threads", str(args.threads)]
    server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(150):
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok:
                return server
        except requests.ConnectionError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("points serve did not start: " + server.stderr.read().decode()[-2000:])


def session_for(app, user_id: int) -> requests.Session:
    """A browser already logged in: the Flask session cookie, signed as the server signs it."""
    with app.app_context():
        login_id = db.session.get(Resident, user_id).get_id()  # "<id>.<session token>", as Flask-Login stores it
    serializer = app.session_interface.get_signing_serializer(app)
    browser = requests.Session()
    # Host-only cookie for 127.0.0.1, so the server's updated session (with its CSRF secret) replaces it.
    browser.cookies.set(app.config["SESSION_COOKIE_NAME"], serializer.dumps({"_user_id": login_id, "_fresh": True}),
                        domain="127.0.0.1", path="/")
    browser.headers["User-Agent"] = "redemption-benchmark"
    # A phone opens a fresh connection after a pause; reusing one the server has timed out would be a client artefact.
    browser.headers["Connection"] = "close"
    browser.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=64))  # a staff session serves many desks
    return browser


def timed_burst(calls, concurrency: int) -> tuple[list, float]:
    """Run the calls `concurrency` at a time, the first wave released together by a barrier.

    Returns [(result, latency ms)] and the wall time in seconds.
    """
    if not calls:
        return [], 0.0
    width = min(concurrency, len(calls))
    barrier = threading.Barrier(width)

    def run(indexed):
        index, call = indexed
        if index < width:
            barrier.wait()
        t = time.perf_counter()
        try:
            result = call()
        except requests.RequestException as error:
            result = f"error:{error.__class__.__name__}"
        return result, (time.perf_counter() - t) * 1000

    with ThreadPoolExecutor(width) as pool:
        t0 = time.perf_counter()
        results = list(pool.map(run, enumerate(calls)))
        wall = time.perf_counter() - t0
    return results, wall


def report(label: str, results: list, wall: float) -> None:
    if not results:
        print(f"{label}: nothing to do")
        return
    latencies = sorted(ms for _, ms in results)
    q = lambda p: latencies[min(len(latencies) - 1, int(len(latencies) * p))]  # noqa: E731
    print(f"{label}: {len(results)} requests in {wall:.2f} s = {len(results) / wall:.0f} req/s; latency "
          f"p50 {q(0.50):.0f} ms, p95 {q(0.95):.0f} ms, p99 {q(0.99):.0f} ms, max {latencies[-1]:.0f} ms, "
          f"mean {statistics.fmean(latencies):.0f} ms")
    print(f"  outcomes: {dict(Counter(r for r, _ in results))}")


HELD_AT: list[str] = []  # where each "held" answer pointed: a double tap must point where the first tap did


def classify_request(response: requests.Response) -> str:
    if response.status_code == 302 and "/bank/mine/" in response.headers.get("Location", ""):
        HELD_AT.append(response.headers["Location"])
        return "held"
    if response.status_code == 409:
        text = response.text
        if "兑完" in text:
            return "refused:out_of_stock"
        if "积分" in text and "您现有" in text:
            return "refused:insufficient_points"
        return "refused:other"
    return f"unexpected:{response.status_code}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default=os.environ.get("POINTS_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/points_bench"))
    parser.add_argument("--residents", type=int, default=1000)
    parser.add_argument("--rewards", type=int, default=50)
    parser.add_argument("--stock", type=int, default=10)
    parser.add_argument("--communities", type=int, default=1)
    parser.add_argument("--workers", type=int, default=default_workers(), help="default: `points serve`'s")
    parser.add_argument("--threads", type=int, default=1, help="default: `points serve`'s")
    parser.add_argument("--baseline", type=int, default=50, help="requests sent one at a time first, on their own reward")
    parser.add_argument("--double-taps", type=float, default=0.05, help="share of residents who tap twice")
    args = parser.parse_args()

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database, "SECRET_KEY": SECRET,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    data = build(app, args)
    port = free_port()
    server = serve(args, port)
    base = f"http://127.0.0.1:{port}"
    print(f"server: points serve, gunicorn {args.workers} workers × {args.threads} threads, PostgreSQL; "
          f"{os.cpu_count()} CPU cores shared with the clients")
    try:
        rng = random.Random(9)
        with app.app_context():
            community_rewards = {}
            for reward in db.session.scalars(select(Reward)):
                community_rewards.setdefault(reward.community_id, []).append(reward.id)
            community_of = {r.id: r.community_id for r in db.session.scalars(select(Resident))}

        # 3. every resident opens a reward page (not timed)
        visits = []
        for resident_id, _ in data["residents"]:
            reward_id = rng.choice(community_rewards[community_of[resident_id]])
            browser = session_for(app, resident_id)
            visits.append((browser, reward_id))

        def open_page(visit):
            browser, reward_id = visit
            page = browser.get(f"{base}/bank/rewards/{reward_id}", timeout=60, allow_redirects=False)
            return page.status_code, page.text

        t = time.perf_counter()
        with ThreadPoolExecutor(32) as pool:
            pages = list(pool.map(open_page, visits))
        print(f"reward pages opened: {len(pages)} GETs in {time.perf_counter() - t:.1f} s (32 at a time, not part of the figures)")
        # one at a time, for the latency without a queue
        def prepared(resident_id, reward_id):
            browser = session_for(app, resident_id)
            page = browser.get(f"{base}/bank/rewards/{reward_id}", timeout=60, allow_redirects=False)
            assert page.status_code == 200, page.status_code
            html = page.text
            form = {"csrf_token": TOKEN_RE.search(html).group(1), "token": FORM_TOKEN_RE.search(html).group(1)}
            return lambda: classify_request(browser.post(f"{base}/bank/rewards/{reward_id}/request", data=form,
                                                         allow_redirects=False, timeout=120))

        baseline = [prepared(r, data["baseline"]["reward"]) for r in data["baseline"]["residents"]]
        results, wall = timed_burst(baseline, 1)
        report("redeem one at a time (no queue)", results, wall)
        unexpected = [r for r, _ in results if r != "held"]

        calls = []
        for (browser, reward_id), (status, html) in zip(visits, pages):
            assert status == 200, status
            form = {"csrf_token": TOKEN_RE.search(html).group(1), "token": FORM_TOKEN_RE.search(html).group(1)}
            call = lambda b=browser, r=reward_id, f=form: classify_request(  # noqa: E731
                b.post(f"{base}/bank/rewards/{r}/request", data=f, allow_redirects=False, timeout=120))
            calls.append(call)
            if rng.random() < args.double_taps:
                calls.append(call)  # the same form twice: must ask once
        rng.shuffle(calls)

        # 4. the burst
        HELD_AT.clear()
        results, wall = timed_burst(calls, len(calls))
        report(f"redeem (POST /bank/rewards/<id>/request, {len(calls)} at once incl. double taps)", results, wall)
        print(f"  distinct redemptions behind the 'held' answers: {len(set(HELD_AT))} "
              f"({len(HELD_AT) - len(set(HELD_AT))} double taps answered with the request they had already made)")
        unexpected += [r for r, _ in results if r.startswith(("unexpected", "error"))]

        # 5. staff approve from the queue
        with app.app_context():
            held = db.session.execute(select(Redemption.id, Redemption.community_id).where(
                Redemption.state == RedemptionState.REQUESTED.value)).all()
        with app.app_context():
            staff_by_community = {db.session.get(Resident, s).community_id: s for s in data["staff"]}
        desks = {}
        for cid, staff_id in staff_by_community.items():
            browser = session_for(app, staff_id)
            page = browser.get(f"{base}/bank/staff", timeout=60, allow_redirects=False)
            assert page.status_code == 200, page.status_code
            queue = page.text
            desks[cid] = (browser, TOKEN_RE.search(queue).group(1))

        def approve_call(redemption_id, cid):
            browser, csrf = desks[cid]
            response = browser.post(f"{base}/bank/staff/redemptions/{redemption_id}/approve", data={"csrf_token": csrf},
                                    allow_redirects=False, timeout=120)
            approved = response.status_code == 302 and response.headers.get("Location", "").endswith("/bank/staff")
            return "approved" if approved else f"unexpected:{response.status_code}"

        results, wall = timed_burst([lambda i=i, c=c: approve_call(i, c) for i, c in held], 64)
        report(f"approve (POST …/approve, {len(held)} requests, 64 at a time)", results, wall)
        unexpected += [r for r, _ in results if r != "approved"]

        # 6. hand-over by pickup code at the scanner
        with app.app_context():
            codes = db.session.execute(select(Redemption.pickup_code, Redemption.community_id).where(
                Redemption.state == RedemptionState.APPROVED.value)).all()

        def handover_call(code, cid):
            # scan → confirm → done (#12): the scan opens the confirmation, the staff member's tap there settles it
            browser, csrf = desks[cid]
            scanned = browser.post(f"{base}/bank/staff/handover", data={"csrf_token": csrf, "code": f"POINTS:R:{code}"},
                                   allow_redirects=False, timeout=120)
            confirm = scanned.headers.get("Location", "")
            if scanned.status_code != 302 or "/fulfil" not in confirm:
                return f"unexpected:scan {scanned.status_code}"
            response = browser.post(urljoin(f"{base}/", confirm), data={"csrf_token": csrf}, allow_redirects=False,
                                    timeout=120)
            return "settled" if response.status_code == 302 and "done=" in response.headers.get("Location", "") \
                else f"unexpected:{response.status_code}"

        results, wall = timed_burst([lambda c=c, i=i: handover_call(c, i) for c, i in codes], 64)
        report(f"hand over (scan the pickup code, then confirm: {len(codes)} × 2 POSTs, 64 at a time)", results, wall)
        unexpected += [r for r, _ in results if r != "settled"]
    finally:
        server.terminate()
        server.wait(20)

    # 7. verification
    t = time.perf_counter()
    verify = subprocess.run([sys.executable, "-c", "from points.cli import main; main()", "ledger", "verify"], cwd=ROOT,
                            env={**os.environ, "DATABASE_URL": args.database, "SECRET_KEY": SECRET, "PYTHONPATH": str(ROOT)},
                            capture_output=True, text=True)
    print(f"points ledger verify ({time.perf_counter() - t:.1f} s): {(verify.stdout + verify.stderr).strip()}")
    with app.app_context():
        states = dict(db.session.execute(select(Redemption.state, func.count(Redemption.id)).group_by(Redemption.state)).all())
        stock_left = db.session.scalar(select(func.sum(Reward.stock)))
        negative = db.session.scalar(select(func.count(Account.id)).where(Account.kind != AccountKind.ISSUANCE, Account.balance < 0))
        units = len(data["rewards"]) * args.stock + args.baseline
        print(f"books: redemptions by state {states}; stock left {stock_left} of {units} "
              f"(= {units} − {states.get('fulfilled', 0)} handed over: {stock_left == units - states.get('fulfilled', 0)}); "
              f"accounts below zero: {negative}")
        db.engine.dispose()
    print(f"unexpected errors: {len(unexpected)} {Counter(unexpected) if unexpected else ''}")
    if verify.returncode != 0 or unexpected or negative:
        sys.exit(1)


if __name__ == "__main__":
    main()
