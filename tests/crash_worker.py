"""The worker of the crash test: posts a long, fixed list of keyed counter actions to a till.

``python tests/crash_worker.py DB`` runs the whole list against ``DB`` and prints one JSON line
``{"posted": N, "replayed": M}``; :mod:`tests.test_crash` kills it with SIGKILL part-way and runs
it again. The list (:func:`plan`) is the same every time, keys included, so a second run must post
exactly what the killed run had not committed. Imports only ``storeapp`` (it runs as a script).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from storeapp.clock import FixedClock
from storeapp.db import Database
from storeapp.models import Action
from storeapp.services import members, sales, users, wallet
from storeapp.services.sales import LineIn, TenderIn

MEMBERS = 5
ROUNDS = 150
START = dt.datetime(2026, 3, 10, 2, 0)
CASHIER, MANAGER, MANAGER_PIN = "C01", "M01", "246800"
TOPUP_FEN, BIG_TOPUP_FEN, BIG_TOPUP_BONUS_FEN = 20_000, 50_000, 5_000
SALE_FEN, SALE_WALLET_FEN = 30_000, 18_000


@dataclass(frozen=True)
class Step:
    key: str
    kind: str  # register | topup | sale | refund
    member: int
    amount_fen: int = 0
    sale_key: str = ""  # the sale a refund undoes


def plan() -> list[Step]:
    """Five members; each round one tops up and then buys (¥180 from stored value, the rest in
    cash); every tenth round refunds a sale from a few rounds before."""
    steps = [Step(f"m-{i:04d}", "register", i) for i in range(MEMBERS)]
    for n in range(1, ROUNDS + 1):
        member = n % MEMBERS
        amount = BIG_TOPUP_FEN if n % 7 == 0 else TOPUP_FEN
        steps.append(Step(f"t-{n:04d}", "topup", member, amount))
        steps.append(Step(f"s-{n:04d}", "sale", member, SALE_FEN))
        if n % 10 == 0:
            sold = n - 1 - (n // 10) % MEMBERS  # a recent sale, of each member in turn
            steps.append(Step(f"r-{n:04d}", "refund", sold % MEMBERS, sale_key=f"s-{sold:04d}"))
    return steps


def real_name(member: int) -> str:
    """As tests.helpers.real_name (this file runs as a script, outside the tests package)."""
    return "张" + "".join("零一二三四五六七八九"[int(d)] for d in str(member))


def phone(member: int) -> str:
    return f"1380000{member:04d}"


def run(db_path: Path) -> dict[str, int]:
    """Post every step of the plan; a step already posted is replayed (posts nothing)."""
    clock = FixedClock(START)
    db = Database(db_path, clock=clock)
    grant = users.approve(db, MANAGER, MANAGER_PIN, "customer returned goods")
    receipts: dict[str, str] = {}
    counts = {"posted": 0, "replayed": 0}
    try:
        for index, step in enumerate(plan()):
            clock.set(START + dt.timedelta(seconds=index))
            result = _post(db, step, grant, receipts)
            counts["replayed" if result.get("replayed") else "posted"] += 1
    finally:
        db.close()
    return counts


def _post(db: Database, step: Step, grant: users.Grant,
          receipts: dict[str, str]) -> dict[str, object]:
    if step.kind == "register":
        with db.reader() as session:  # register returns the member, not the action's result
            done = session.get(Action, step.key) is not None
        members.register(db, phone=phone(step.member), name=real_name(step.member), actor=CASHIER,
                         key=step.key)
        return {"replayed": done}
    if step.kind == "topup":
        return wallet.topup(db, phone(step.member), step.amount_fen, method="cash",
                            actor=CASHIER, key=step.key)
    if step.kind == "sale":
        result = sales.checkout(
            db, member_ref=phone(step.member),
            lines=[LineIn(unit_price_fen=step.amount_fen, name="杂货 Groceries")],
            tenders=[TenderIn("wallet", SALE_WALLET_FEN), TenderIn("cash")],
            actor=CASHIER, key=step.key)
        receipts[step.key] = str(result["receipt_no"])
        return result
    return sales.refund(db, receipts[step.sale_key], actor=CASHIER, grant=grant, key=step.key)


if __name__ == "__main__":
    print(json.dumps(run(Path(sys.argv[1]))), flush=True)
