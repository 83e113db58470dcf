"""``storeapp report …`` and ``storeapp shift …`` as a manager runs them: ``storeapp.cli.main``
with ``--db`` and ``--json``, one JSON object on stdout per command.

The till is built first through the services on a fixed clock (ten days before today, so the
12-month RFM window always covers it); the test books what each action returned and the
reports' figures must equal that book. Exports and full phone numbers leave audit rows.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from storeapp import cli
from storeapp.clock import Clock, FixedClock
from storeapp.db import Database
from storeapp.services import members, sales, users, wallet
from storeapp.services.sales import LineIn, TenderIn
from tests.helpers import copy_database, real_name

STORE_OFFSET = dt.timedelta(hours=8)  # Asia/Shanghai, written out independently of the app
EXIT_INVALID, EXIT_REFUSED = 2, 1
PHONES = [f"1390000000{k}" for k in range(5)]


@dataclass(frozen=True)
class Run:
    status: int
    out: dict[str, Any]


@dataclass
class Till:
    """The database and the test's book of everything posted while building it."""

    path: Path
    day: dt.date  # the store-local day the daily and liability checks look at
    #: (moment, principal, bonus, points, sale total) for every posting
    book: list[tuple[dt.datetime, int, int, int, int]] = field(default_factory=list)

    def at(self, hh: int, mm: int = 0, ss: int = 0, days: int = 0) -> dt.datetime:
        """Naive UTC of a store-local time on ``day`` (+ ``days``)."""
        local = dt.datetime.combine(self.day + dt.timedelta(days=days), dt.time(hh, mm, ss))
        return local - STORE_OFFSET

    def balance_at(self, at: dt.datetime) -> tuple[int, int, int]:
        rows = [b for b in self.book if b[0] <= at]
        return (sum(b[1] for b in rows), sum(b[2] for b in rows), sum(b[3] for b in rows))

    def sales_on_day(self) -> tuple[int, int]:
        start = self.at(0)
        day = [b[4] for b in self.book if start <= b[0] < start + dt.timedelta(days=1) and b[4]]
        return len(day), sum(day)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Till:
    """Five members; member k bought 5 − k times, the last k days before ``day`` (so member 0
    is the most recent, most frequent, biggest spender); top-ups and wallet sales on ``day``,
    one of them at 12:00:00 sharp and one a second later. Built once; each test gets a copy."""
    today = (Clock().now() + STORE_OFFSET).date()
    t = Till(tmp_path_factory.mktemp("report-cli") / "till.db", today - dt.timedelta(days=10))
    clock = FixedClock(t.at(8))
    db = Database(t.path, clock=clock)
    try:
        users.add_user(db, code="M01", name="王经理", role="manager", pin="246800", actor="setup")
        people = [members.register(db, phone=p, name=real_name(k), actor="setup")
                  for k, p in enumerate(PHONES)]
        steps: list[tuple[dt.datetime, str, int, int, str]] = [
            (t.at(10, days=-k - j), "sale", k, 2_000 * (5 - k), "card")
            for k in range(5) for j in range(5 - k)]
        steps += [(t.at(9), "topup", 0, 50_000, "cash"),
                  (t.at(11, 30), "sale", 0, 10_000, "wallet"),
                  (t.at(12), "topup", 1, 20_000, "wechat"),
                  (t.at(12, 0, 1), "topup", 2, 100_000, "cash"),
                  (t.at(15), "sale", 0, 5_000, "wallet")]
        for at, what, k, fen, method in sorted(steps):
            clock.set(at)
            if what == "topup":
                r = wallet.topup(db, people[k].member_id, fen, method=method, actor="C01")
                t.book.append((at, r["principal_fen"], r["bonus_fen"], 0, 0))
                continue
            r = sales.checkout(db, member_ref=people[k].member_id,
                               lines=[LineIn(unit_price_fen=fen)], tenders=[TenderIn(method)],
                               actor="C01")
            [paid] = r["tenders"]
            t.book.append((at, -paid["principal_fen"], -paid["bonus_fen"],
                           r["points_earned"] - r["points_redeemed"], r["total_fen"]))
    finally:
        db.close()
    return t


@pytest.fixture
def till(built: Till, tmp_path: Path) -> Iterator[Till]:
    """This test's own copy of the built till."""
    t = Till(tmp_path / "till.db", built.day, built.book)
    copy_database(built.path, t.path)
    yield t  # the CLI closes the till each command opened


@pytest.fixture(autouse=True)
def manager_logged_in(monkeypatch: pytest.MonkeyPatch) -> None:
    """The store manager M01 runs the commands (reports are a manager's)."""
    monkeypatch.setenv("STOREAPP_USER", "M01")
    monkeypatch.setenv("STOREAPP_PIN", "246800")


def run(capsys: pytest.CaptureFixture[str], till: Till, *args: str) -> Run:
    """``storeapp --db DB --json ARGS…``: the exit status and the one JSON object printed."""
    capsys.readouterr()
    status = cli.main(["--db", str(till.path), "--json", *args])
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1, (args, lines)
    return Run(status, json.loads(lines[0]))


def audit_rows(till: Till, action: str) -> list[dict[str, Any]]:
    with contextlib.closing(sqlite3.connect(till.path)) as conn:
        return [{"actor": actor, "subject": subject, **json.loads(detail)}
                for actor, subject, detail in conn.execute(
                    "SELECT actor, subject, detail_json FROM audit_log WHERE action = ? "
                    "ORDER BY seq", (action,))]


def assert_error(run: Run, code: str, status: int) -> None:
    assert (run.status, run.out.get("error")) == (status, code), run
    assert set(run.out) - {"params"} == {"error", "message"} and run.out["message"], run


# -- shifts -------------------------------------------------------------------------------------

def test_shift_open_sell_x_close_and_z(capsys: pytest.CaptureFixture[str], till: Till) -> None:
    """Float ¥200, a cash sale with change and a card sale: X expects ¥225 in the drawer;
    counting ¥224 closes with a ¥1 short variance into Z 1, which reads back the same."""
    opened = run(capsys, till, "shift", "open", "--float", "200")
    assert (opened.status, opened.out["float_fen"]) == (0, 20_000)
    again = run(capsys, till, "shift", "open", "--float", "100")
    assert_error(again, "shift_open", EXIT_REFUSED)

    cash = run(capsys, till, "sale", "--amount", "25", "--pay", "cash:50")
    assert (cash.status, cash.out["change_fen"]) == (0, 2_500)
    card = run(capsys, till, "sale", PHONES[3], "--amount", "30", "--pay", "card")
    assert card.status == 0

    x = run(capsys, till, "shift", "x")
    assert x.status == 0 and x.out["report"] == "x"
    assert x.out["shift"]["sales_count"] == 2
    assert x.out["shift"]["sales_fen"] == 2_500 + card.out["total_fen"]
    assert x.out["cash"] == {"float_fen": 20_000, "cash_in_fen": 2_500, "cash_out_fen": 0,
                             "expected_cash_fen": 22_500}
    methods = {row["method_en"]: row["amount_fen"] for row in x.out["by_method"]["rows"]}
    assert methods == {"Card": card.out["total_fen"], "Cash": 2_500}

    closed = run(capsys, till, "shift", "close", "--counted", "224")
    assert closed.status == 0 and closed.out["report"] == "z"
    assert closed.out["cash"]["counted_fen"] == 22_400
    assert closed.out["cash"]["variance_fen"] == -100
    z = run(capsys, till, "shift", "z", "1")
    assert z.out["cash"] == closed.out["cash"] and z.out["shift"] == closed.out["shift"]
    assert_error(run(capsys, till, "shift", "x"), "no_shift", EXIT_REFUSED)
    assert_error(run(capsys, till, "shift", "close", "--counted", "0"), "no_shift",
                 EXIT_REFUSED)
    assert_error(run(capsys, till, "shift", "z", "2"), "unknown_z", EXIT_REFUSED)
    assert_error(run(capsys, till, "shift", "close", "--counted", "-5"), "bad_amount",
                 EXIT_INVALID)


# -- reports ------------------------------------------------------------------------------------

def test_daily_writes_csv_and_pdf_and_audits_each_file(
        capsys: pytest.CaptureFixture[str], till: Till, tmp_path: Path) -> None:
    csv_path, pdf_path = tmp_path / "daily.csv", tmp_path / "daily.pdf"
    got = run(capsys, till, "report", "daily", "--date", till.day.isoformat(),
              "--csv", str(csv_path), "--pdf", str(pdf_path))
    assert got.status == 0
    assert got.out["written"] == {"csv": str(csv_path), "pdf": str(pdf_path)}
    count, total = till.sales_on_day()
    assert (got.out["sales"]["sales_count"], got.out["sales"]["sales_fen"]) == (count, total)
    assert count == 3  # member 0's last card sale and two wallet sales

    with csv_path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["营业日报"] and ["期间", till.day.isoformat()] in rows
    assert ["销售额", f"{total // 100}.{total % 100:02d}"] in rows
    assert pdf_path.read_bytes().startswith(b"%PDF-")

    exported = audit_rows(till, "report_exported")
    assert [(r["subject"], r["format"], r["path"], r["period"]) for r in exported] == [
        ("daily", "csv", str(csv_path), till.day.isoformat()),
        ("daily", "pdf", str(pdf_path), till.day.isoformat())]
    assert {r["actor"] for r in exported} == {"M01"}  # the manager who logged in


def test_daily_in_english_to_csv(capsys: pytest.CaptureFixture[str], till: Till,
                                 tmp_path: Path) -> None:
    path = tmp_path / "daily-en.csv"
    got = run(capsys, till, "--as", "M01", "report", "daily", "--date", till.day.isoformat(),
              "--csv", str(path), "--lang", "en")
    assert got.status == 0
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["Daily report"] and ["Period", till.day.isoformat()] in rows
    [exported] = audit_rows(till, "report_exported")
    assert (exported["actor"], exported["format"]) == ("M01", "csv")  # who exported it


@pytest.mark.parametrize("moment", [(12, 0, 0), (12, 0, 1), (11, 59, 59), (23, 59, 59)])
def test_liability_at_a_store_local_moment_equals_the_book(
        capsys: pytest.CaptureFixture[str], till: Till, moment: tuple[int, int, int]) -> None:
    """``--at`` is store-local wall time; postings at exactly that moment count, the top-up a
    second later does not."""
    at = till.at(*moment)
    got = run(capsys, till, "report", "liability", "--at",
              f"{till.day.isoformat()}T{moment[0]:02d}:{moment[1]:02d}:{moment[2]:02d}")
    assert got.status == 0
    principal, bonus, points = till.balance_at(at)
    assert got.out["liability"]["principal_fen"] == principal
    assert got.out["liability"]["bonus_fen"] == bonus
    assert got.out["liability"]["total_fen"] == principal + bonus
    assert got.out["liability"]["points_outstanding"] == points
    assert got.out["period"] == f"{till.day.isoformat()} {moment[0]:02d}:{moment[1]:02d}:" \
                                f"{moment[2]:02d}"


def test_rfm_with_full_phones_is_audited(capsys: pytest.CaptureFixture[str], till: Till) -> None:
    """Five buyers ranked alike on R, F and M: the top three score 3+ on each (champions).
    Phones are masked and unaudited by default, whole and audited with --full-phones."""
    masked = run(capsys, till, "report", "rfm", "--segment", "champions")
    assert masked.status == 0
    rows = masked.out["segment_members"]["rows"]
    assert [r["phone"] for r in rows] == [f"{p[:3]}****{p[-4:]}" for p in PHONES[:3]]
    assert audit_rows(till, "phones_revealed") == []

    full = run(capsys, till, "report", "rfm", "--segment", "champions", "--full-phones")
    assert [r["phone"] for r in full.out["segment_members"]["rows"]] == PHONES[:3]
    assert [r["rfm"] for r in full.out["segment_members"]["rows"]] == ["555", "444", "333"]
    [revealed] = audit_rows(till, "phones_revealed")
    assert (revealed["subject"], revealed["members"]) == ("rfm", 3)


def test_members_watchlists(capsys: pytest.CaptureFixture[str], till: Till) -> None:
    got = run(capsys, till, "report", "members")
    assert got.status == 0 and got.out["report"] == "watchlists"
    assert got.out["counts"] == {"lapsed": 0, "birthdays": 0, "near_tier": 0}
    assert {"lapsed", "birthdays", "near_tier"} <= set(got.out)


@pytest.mark.parametrize(("args", "code"), [
    (("report", "daily", "--date", "2026-02-30"), "bad_date"),
    (("report", "daily", "--date", "yesterday"), "bad_date"),
    (("report", "liability", "--at", "noon"), "bad_time"),
    (("report", "daily", "--date", "2026-03-10", "--to", "2026-03-01"), "bad_range"),
    (("report", "rfm", "--segment", "whales"), "usage"),
])
def test_bad_input_gives_the_json_error_and_exit_2(
        capsys: pytest.CaptureFixture[str], till: Till, tmp_path: Path, args: tuple[str, ...],
        code: str) -> None:
    before = audit_rows(till, "report_exported")
    got = run(capsys, till, *args, "--csv", str(tmp_path / "never.csv"))
    assert_error(got, code, EXIT_INVALID)
    assert not (tmp_path / "never.csv").exists()
    assert audit_rows(till, "report_exported") == before
