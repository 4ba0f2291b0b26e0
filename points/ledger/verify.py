"""`points ledger verify`: recompute every balance and every community's hash chain from the postings.

Detects an edited row (hash mismatch), a deleted or inserted row (sequence gap, broken link, head mismatch),
an unbalanced transaction and a cached balance or lifetime total that disagrees with the postings. Other
domains with books of their own (the bank's stock) register a checker in their `init_app` (`points.domains`).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable

from sqlalchemy import select

from ..db import db
from ..domains import registry
from .models import Account, AccountKind, ChainHead, HourlyTotal, Posting, PublishedHead, Transaction
from .services import chain_hash
from .services.booking import hour_of


@dataclass(frozen=True)
class Problem:
    code: str
    detail: str
    community_id: int | None = None
    transaction_id: int | None = None
    seq: int | None = None

    def __str__(self) -> str:
        where = f"community {self.community_id}" if self.community_id is not None else ""
        if self.transaction_id is not None or self.seq is not None:
            where += f", transaction id={self.transaction_id} seq={self.seq}"
        return f"[{self.code}] {where}: {self.detail}"


@dataclass
class Report:
    transactions: int = 0
    accounts: int = 0
    problems: list[Problem] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    # Recomputed from the postings, per community: points issued (net of reversals), held, redeemed, outstanding.
    totals: dict[int, dict[str, int]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_problem(self) -> Problem | None:
        return self.problems[0] if self.problems else None


HEADS_HEADER = ("community_id", "date", "seq", "hash")  # the published heads' download, and --against's input
TOTAL_OF_KIND = {AccountKind.ISSUANCE: "issued", AccountKind.HOLDS: "held", AccountKind.REDEEMED: "redeemed",
                 AccountKind.WALLET: "outstanding"}


def verify_ledger(*, batch: int = 5000, against: Iterable[tuple[int, str, int, str]] | None = None) -> Report:
    """Check everything; `against` adds heads saved earlier (community, date, seq, hash), which the chain must
    still contain, so a rewrite of history that recomputed every hash is caught by whoever kept a copy."""
    report = Report()
    _one_snapshot()
    sums: dict[int, int] = defaultdict(int)
    earned: dict[int, int] = defaultdict(int)
    owners = {row.id: row for row in db.session.execute(select(Account.id, Account.kind, Account.community_id, Account.resident_id))}
    kinds = {account_id: row.kind for account_id, row in owners.items()}
    last: dict[int, tuple[int, str]] = {}
    hourly: dict[tuple[int, str, Any], int] = defaultdict(int)

    for community_id, txs in _transactions_by_community(batch):
        expected_seq, prev_hash = 1, ""
        for tx, lines in txs:
            report.transactions += 1
            if tx.seq != expected_seq:
                code = "missing_transaction" if tx.seq > expected_seq else "duplicate_sequence"
                report.problems.append(Problem(code, f"expected seq {expected_seq}, found {tx.seq}", community_id, tx.id, tx.seq))
            if tx.prev_hash != prev_hash:
                report.problems.append(Problem("broken_chain", "prev_hash does not match the previous transaction", community_id, tx.id, tx.seq))
            if chain_hash(tx, lines) != tx.hash:
                report.problems.append(Problem("tampered", "stored hash does not match the transaction's contents", community_id, tx.id, tx.seq))
            if not lines or sum(a for _, a in lines) != 0:
                report.problems.append(Problem("unbalanced", f"postings sum to {sum(a for _, a in lines)}", community_id, tx.id, tx.seq))
            for account_id, _ in lines:
                owner = owners.get(account_id)
                # The hash covers account ids, not who owns them: reassigning a wallet must not go unseen.
                if owner is None or owner.community_id != community_id or (
                    owner.kind == AccountKind.WALLET and owner.resident_id != tx.resident_id
                ):
                    report.problems.append(Problem("foreign_account", f"posting to account {account_id}, which is not this transaction's", community_id, tx.id, tx.seq))
            touches_issuance = any(kinds.get(acc) == AccountKind.ISSUANCE for acc, _ in lines)
            hour = hour_of(tx.created_at)
            for account_id, amount in lines:
                if kinds.get(account_id) not in (None, AccountKind.WALLET):
                    hourly[(community_id, kinds[account_id], hour)] += amount
            for account_id, amount in lines:
                sums[account_id] += amount
                if touches_issuance and kinds.get(account_id) == AccountKind.WALLET:
                    earned[account_id] += amount
            expected_seq, prev_hash = tx.seq + 1, tx.hash
        last[community_id] = (expected_seq - 1, prev_hash)

    for head in db.session.scalars(select(ChainHead)):
        seq, tip = last.get(head.community_id, (0, ""))
        if (head.seq, head.last_hash) != (seq, tip):
            report.problems.append(
                Problem("head_mismatch", f"head says seq {head.seq}, the chain ends at seq {seq}", head.community_id, None, head.seq)
            )
    for community_id in set(last) - {h.community_id for h in db.session.scalars(select(ChainHead))}:
        report.problems.append(Problem("head_missing", "transactions exist but no chain head", community_id))

    for account in db.session.scalars(select(Account).order_by(Account.id)):
        report.accounts += 1
        if account.balance != sums.get(account.id, 0):
            report.problems.append(
                Problem("balance_mismatch", f"account {account.id} ({account.kind}) caches {account.balance}, postings sum to {sums.get(account.id, 0)}", account.community_id)
            )
        if account.kind == AccountKind.WALLET and account.lifetime_earned != earned.get(account.id, 0):
            report.problems.append(
                Problem("lifetime_mismatch", f"account {account.id} caches lifetime {account.lifetime_earned}, postings give {earned.get(account.id, 0)}", account.community_id)
            )
    for account_id, row in owners.items():
        name = TOTAL_OF_KIND[AccountKind(row.kind)]
        totals = report.totals.setdefault(row.community_id, {"issued": 0, "held": 0, "redeemed": 0, "outstanding": 0})
        totals[name] += -sums.get(account_id, 0) if name == "issued" else sums.get(account_id, 0)
    report.checked.append("points")
    _check_hourly_totals(report, hourly)
    report.checked.append("hourly totals")

    published = [(h.community_id, str(h.day), h.seq, h.hash) for h in db.session.scalars(select(PublishedHead))]
    _check_heads(report, published, "published_head_mismatch", "published head")
    report.checked.append("published heads")
    if against is not None:
        _check_heads(report, list(against), "saved_head_mismatch", "saved head")
        report.checked.append("saved heads")
    for name, checker in registry().checkers:
        checker(report)
        report.checked.append(name)
    return report


def _check_hourly_totals(report: Report, expected: dict[tuple[int, str, Any], int]) -> None:
    """The summary the books read must equal the postings it sums (a missing hour counts as 0)."""
    stored = {(r.community_id, r.kind, r.hour): r.amount for r in db.session.execute(
        select(HourlyTotal.community_id, HourlyTotal.kind, HourlyTotal.hour, HourlyTotal.amount))}
    for key in sorted(set(stored) | set(expected), key=lambda k: (k[0], k[2], k[1])):
        if stored.get(key, 0) != expected.get(key, 0):
            community_id, kind, hour = key
            report.problems.append(Problem(
                "summary_mismatch", f"hourly total of {kind} at {hour:%Y-%m-%d %H}:00 UTC is {stored.get(key, 0)}, "
                f"the postings give {expected.get(key, 0)}", community_id))


def _check_heads(report: Report, heads: list[tuple[int, str, int, str]], code: str, what: str) -> None:
    """Each head (community, date, seq, hash) must still be the hash of that community's transaction `seq`."""
    by_community: dict[int, list[tuple[str, int, str]]] = defaultdict(list)
    for community_id, day, seq, digest in heads:
        by_community[community_id].append((day, seq, digest))
    table = Transaction.__table__
    for community_id, wanted in sorted(by_community.items()):
        found: dict[int, str] = {}
        seqs = sorted({seq for _, seq, _ in wanted})
        for start in range(0, len(seqs), 500):
            found.update(db.session.execute(select(table.c.seq, table.c.hash).where(
                table.c.community_id == community_id, table.c.seq.in_(seqs[start:start + 500]))).all())
        for day, seq, digest in sorted(wanted):
            if found.get(seq) != digest:
                report.problems.append(Problem(
                    code, f"{what} of {day} (seq {seq}, hash {digest[:12]}…) is not in the chain any more", community_id, None, seq,
                ))


def read_heads(lines: Iterable[str]) -> list[tuple[int, str, int, str]]:
    """Parse a saved download of the published heads (CSV: community_id,date,seq,hash; a header row and Excel's
    byte-order mark are fine). Raises ValueError naming the first bad line."""
    import csv

    heads = []
    for number, row in enumerate(csv.reader(line.lstrip("\ufeff") for line in lines), start=1):
        if not row or not "".join(row).strip() or row[0].strip() == HEADS_HEADER[0]:
            continue
        try:
            community_id, day, seq, digest = (cell.strip() for cell in row[:4])
            if len(digest) != 64 or len(row) < 4:
                raise ValueError
            heads.append((int(community_id), day, int(seq), digest))
        except ValueError:
            raise ValueError(f"line {number}: expected community_id,date,seq,hash") from None
    return heads


def _one_snapshot() -> None:
    """Read everything from one snapshot, so writes committed while verify runs cannot look like tampering.
    SQLite's read transaction is a snapshot already; PostgreSQL needs REPEATABLE READ."""
    session = db.session()
    if session.in_transaction():
        session.commit()
    if db.engine.dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ", "postgresql_readonly": True})


def _transactions_by_community(batch: int) -> Iterable[tuple[int, Iterable[tuple[Any, list[tuple[int, int]]]]]]:
    """Stream (community, [(transaction, postings)]) in chain order without loading the whole ledger."""
    communities = db.session.scalars(select(Transaction.community_id).distinct().order_by(Transaction.community_id)).all()
    for community_id in communities:
        yield community_id, _stream(community_id, batch)


def _stream(community_id: int, batch: int) -> Iterable[tuple[Any, list[tuple[int, int]]]]:
    """Plain rows, not ORM objects: verifying a million transactions should not build a million objects."""
    table = Transaction.__table__
    after = None
    while True:
        stmt = select(table).where(table.c.community_id == community_id).order_by(table.c.seq, table.c.id).limit(batch)
        if after is not None:
            stmt = stmt.where((table.c.seq > after[0]) | ((table.c.seq == after[0]) & (table.c.id > after[1])))
        rows = db.session.execute(stmt).all()
        if not rows:
            return
        lines: dict[int, list[tuple[int, int]]] = defaultdict(list)
        postings = Posting.__table__
        for tx_id, account_id, amount in db.session.execute(
            select(postings.c.transaction_id, postings.c.account_id, postings.c.amount).where(
                postings.c.transaction_id.in_([r.id for r in rows])
            )
        ):
            lines[tx_id].append((account_id, amount))
        for tx in rows:
            yield tx, sorted(lines[tx.id])
        after = (rows[-1].seq, rows[-1].id)
