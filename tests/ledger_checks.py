"""Independent checks of a till database file with plain ``sqlite3`` (no storeapp code).

The property, crash and CLI tests use these to judge what the services wrote: the invariants of
DESIGN §3 and a snapshot of everything an action could change, to prove a refusal changed nothing.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from pathlib import Path
from typing import Any

#: Every table an action can write to; a refusal must leave each one's rows as they were.
TABLES = (
    "members", "cards", "actions", "wallet_entries", "topups", "points_entries", "points_lots",
    "sales", "sale_lines", "tenders", "refunds", "coupons", "approvals", "audit_log", "outbox",
    "counters", "member_plans", "users", "settings", "print_jobs", "sync_state",
)


def connect(path: Path | str) -> sqlite3.Connection:
    """A plain autocommit connection: every SELECT sees what is committed now."""
    return sqlite3.connect(path, isolation_level=None, timeout=10)


def snapshot(conn: sqlite3.Connection, *, tables: tuple[str, ...] = TABLES) -> dict[str, Any]:
    """Row counts of every table, plus the mutable fields of the rows an action may update."""
    state: dict[str, Any] = {
        f"count:{table}": conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in tables
    }
    state["members"] = conn.execute(
        "SELECT member_id, card_no, principal_fen, bonus_fen, points, tier, status, "
        "updated_at, last_visit_at FROM members ORDER BY member_id").fetchall()
    state["counters"] = conn.execute("SELECT name, value FROM counters ORDER BY name").fetchall()
    state["sales"] = conn.execute("SELECT id, status FROM sales ORDER BY id").fetchall()
    state["topups"] = conn.execute("SELECT key, voided_by FROM topups ORDER BY key").fetchall()
    state["lots"] = conn.execute(
        "SELECT id, remaining_points FROM points_lots ORDER BY id").fetchall()
    state["coupons"] = conn.execute(
        "SELECT code, used_at, used_receipt FROM coupons ORDER BY code").fetchall()
    return state


def balances(conn: sqlite3.Connection) -> dict[str, tuple[int, int, int]]:
    """member_id -> (principal_fen, bonus_fen, points) as cached on the member rows."""
    rows = conn.execute("SELECT member_id, principal_fen, bonus_fen, points FROM members")
    return {m: (p, b, pts) for m, p, b, pts in rows}


def ledger_problems(conn: sqlite3.Connection) -> list[str]:
    """Every broken invariant of DESIGN §3, as readable lines (empty when all hold)."""
    problems: list[str] = []
    problems += _wallet_problems(conn)
    problems += _points_problems(conn)
    problems += _sale_problems(conn)
    problems += _sequence_problems(conn)
    return problems


def _wallet_problems(conn: sqlite3.Connection) -> list[str]:
    problems = []
    journal: dict[tuple[str, str], int] = defaultdict(int)
    for member_id, bucket, total in conn.execute(
            "SELECT member_id, bucket, SUM(amount_fen) FROM wallet_entries "
            "GROUP BY member_id, bucket"):
        journal[member_id, bucket] = total
    # What the business rows say the balance must be, without looking at the journal:
    # live top-ups in, minus stored value spent by sales that were not refunded.
    topped: dict[str, tuple[int, int]] = {
        m: (p, b) for m, p, b in conn.execute(
            "SELECT member_id, SUM(principal_fen), SUM(bonus_fen) FROM topups "
            "WHERE voided_by IS NULL GROUP BY member_id")}
    spent: dict[str, tuple[int, int]] = {
        m: (p, b) for m, p, b in conn.execute(
            "SELECT s.member_id, SUM(t.principal_fen), SUM(t.bonus_fen) FROM tenders t "
            "JOIN sales s ON s.id = t.sale_id WHERE t.method = 'wallet' "
            "AND s.status = 'completed' GROUP BY s.member_id")}
    other_kinds = conn.execute(
        "SELECT count(*) FROM wallet_entries WHERE kind NOT IN "
        "('topup', 'topup_void', 'spend', 'spend_refund')").fetchone()[0]
    for member_id, principal, bonus in conn.execute(
            "SELECT member_id, principal_fen, bonus_fen FROM members"):
        if principal < 0 or bonus < 0:
            problems.append(f"{member_id}: negative balance {principal}/{bonus}")
        if (principal, bonus) != (journal[member_id, "principal"], journal[member_id, "bonus"]):
            problems.append(
                f"{member_id}: cached {principal}/{bonus} != journal "
                f"{journal[member_id, 'principal']}/{journal[member_id, 'bonus']}")
        if not other_kinds:  # adjustments and account closes have no business row to sum
            top_p, top_b = topped.get(member_id, (0, 0))
            spent_p, spent_b = spent.get(member_id, (0, 0))
            if (principal, bonus) != (top_p - spent_p, top_b - spent_b):
                problems.append(
                    f"{member_id}: balance {principal}/{bonus} != top-ups minus spends "
                    f"{top_p - spent_p}/{top_b - spent_b}")
    # Each top-up, void, sale and refund posted its journal rows once.
    for key, principal, bonus, voided_by, posted in conn.execute(
            "SELECT t.key, t.principal_fen, t.bonus_fen, t.voided_by, "
            "(SELECT COALESCE(SUM(amount_fen), 0) FROM wallet_entries w "
            " WHERE w.action_key = t.key) FROM topups t"):
        if posted != principal + bonus:
            problems.append(f"top-up {key} journalled {posted}, not {principal + bonus}")
        if voided_by is not None:
            voided = conn.execute(
                "SELECT COALESCE(SUM(amount_fen), 0) FROM wallet_entries WHERE action_key = ?",
                (voided_by,)).fetchone()[0]
            if voided != -(principal + bonus):
                problems.append(f"void {voided_by} journalled {voided}")
    for receipt, sale_key, status, wallet_fen, spent_fen, refund_key in conn.execute(
            "SELECT s.receipt_no, s.action_key, s.status, "
            "(SELECT COALESCE(SUM(amount_fen), 0) FROM tenders t "
            " WHERE t.sale_id = s.id AND t.method = 'wallet'), "
            "(SELECT COALESCE(SUM(amount_fen), 0) FROM wallet_entries w "
            " WHERE w.action_key = s.action_key), "
            "(SELECT r.action_key FROM refunds r WHERE r.sale_id = s.id) FROM sales s"):
        if spent_fen != -wallet_fen:
            problems.append(f"sale {receipt} ({sale_key}) journalled {spent_fen}, "
                            f"wallet tender {wallet_fen}")
        if (status == "refunded") != (refund_key is not None):
            problems.append(f"sale {receipt} is {status} with refund {refund_key}")
        if refund_key is not None:
            back = conn.execute(
                "SELECT COALESCE(SUM(amount_fen), 0) FROM wallet_entries WHERE action_key = ?",
                (refund_key,)).fetchone()[0]
            if back != wallet_fen:
                problems.append(f"refund {refund_key} of {receipt} journalled {back}, "
                                f"wallet tender {wallet_fen}")
    return problems


def _points_problems(conn: sqlite3.Connection) -> list[str]:
    problems = []
    for member_id, cached, journal, lots in conn.execute(
            "SELECT m.member_id, m.points, "
            "(SELECT COALESCE(SUM(points), 0) FROM points_entries e "
            " WHERE e.member_id = m.member_id), "
            "(SELECT COALESCE(SUM(remaining_points), 0) FROM points_lots l "
            " WHERE l.member_id = m.member_id) FROM members m"):
        if not cached == journal == lots >= 0:
            problems.append(f"{member_id}: points cached {cached}, journal {journal}, "
                            f"lots {lots}")
    # A lot is opened by its first entry: 'earn' here, or 'sync' for points held at other
    # stores (posted by head-office sync); every later entry takes from it or gives back.
    for lot_id, earned, remaining, opening_kind, opening, earn_entries, others in conn.execute(
            "SELECT l.id, l.earned_points, l.remaining_points, f.kind, f.points, "
            "(SELECT count(*) FROM points_entries e WHERE e.lot_id = l.id AND e.kind = 'earn'), "
            "(SELECT COALESCE(SUM(points), 0) FROM points_entries e "
            " WHERE e.lot_id = l.id AND e.id != f.id) FROM points_lots l "
            "LEFT JOIN points_entries f ON f.id = "
            "(SELECT MIN(id) FROM points_entries e WHERE e.lot_id = l.id)"):
        if not 0 <= remaining <= earned:
            problems.append(f"lot {lot_id}: remaining {remaining} outside 0..{earned}")
        if (opening_kind not in ("earn", "sync") or opening != earned
                or earn_entries != (opening_kind == "earn")):
            problems.append(f"lot {lot_id}: opened by {opening_kind} {opening} (earned "
                            f"{earned}), {earn_entries} earn entries")
        if remaining != earned + others:
            problems.append(f"lot {lot_id}: remaining {remaining} != earned {earned} "
                            f"+ later entries {others}")
    orphans = conn.execute("SELECT count(*) FROM points_entries WHERE lot_id IS NULL")
    if (count := orphans.fetchone()[0]) != 0:
        problems.append(f"{count} points entries name no lot")
    return problems


def _sale_problems(conn: sqlite3.Connection) -> list[str]:
    problems = []
    for receipt, total, paid, bad_split, negative_change in conn.execute(
            "SELECT s.receipt_no, s.total_fen, "
            "(SELECT COALESCE(SUM(amount_fen), 0) FROM tenders t WHERE t.sale_id = s.id), "
            "(SELECT count(*) FROM tenders t WHERE t.sale_id = s.id AND ("
            " (t.method = 'wallet' AND t.principal_fen + t.bonus_fen != t.amount_fen) OR"
            " (t.method != 'wallet' AND (t.principal_fen != 0 OR t.bonus_fen != 0)))), "
            "(SELECT count(*) FROM tenders t WHERE t.sale_id = s.id AND "
            " (t.change_fen < 0 OR t.tendered_fen - t.amount_fen != t.change_fen)) "
            "FROM sales s"):
        if paid != total:
            problems.append(f"sale {receipt}: tenders {paid} != total {total}")
        if bad_split or negative_change:
            problems.append(f"sale {receipt}: a tender's split or change is wrong")
    return problems


def _sequence_problems(conn: sqlite3.Connection) -> list[str]:
    problems = []
    for table, column in (("outbox", "seq"), ("audit_log", "seq")):
        seqs = [row[0] for row in conn.execute(f"SELECT {column} FROM {table} ORDER BY {column}")]
        if seqs != list(range(1, len(seqs) + 1)):
            problems.append(f"{table}.{column} is not gapless 1..{len(seqs)}")
    duplicated = conn.execute(
        "SELECT key FROM actions GROUP BY key HAVING count(*) > 1").fetchall()
    if duplicated:
        problems.append(f"action keys stored twice: {duplicated}")
    return problems


def restorable_state(conn: sqlite3.Connection) -> dict[str, Any]:
    """What a till restored from a backup and its events must have exactly as the till had it:
    members and their money, every ledger and journal row (by content: row ids aside), sales,
    top-ups, refunds, coupons, shifts and Z reports, the outbox with its running hash, the
    counters that number receipts, cards and Z reports."""
    def rows(sql: str) -> list[tuple[Any, ...]]:
        return sorted(conn.execute(sql).fetchall(), key=repr)

    return {
        # phone, name and birthday are sealed (a fresh nonce each time they are written): their
        # keyed hashes and name grams say they are the same
        "members": rows("SELECT member_id, card_no, phone_key, tail_key, birth_month, gender, "
                        "tier, status, pin_hash, principal_fen, bonus_fen, points, home_store "
                        "FROM members"),
        "names": rows("SELECT gram, member_id FROM member_name_grams"),
        "cards": rows("SELECT card_no, member_id, status FROM cards"),
        "wallet": rows("SELECT member_id, action_key, kind, bucket, amount_fen, method, ref, "
                       "created_at FROM wallet_entries"),
        "points": rows("SELECT member_id, action_key, kind, points, ref, created_at "
                       "FROM points_entries"),
        "lots": rows("SELECT member_id, action_key, earned_points, remaining_points, earned_at "
                     "FROM points_lots"),
        "sales": rows("SELECT receipt_no, action_key, member_id, cashier, subtotal_fen, "
                      "discount_fen, coupon_code, coupon_fen, points_redeemed, points_fen, "
                      "total_fen, points_earned, status, created_at FROM sales"),
        "lines": rows("SELECT s.receipt_no, l.line_no, l.barcode, l.name, l.qty, "
                      "l.unit_price_fen, l.amount_fen FROM sale_lines l "
                      "JOIN sales s ON s.id = l.sale_id"),
        "tenders": rows("SELECT s.receipt_no, t.method, t.amount_fen, t.tendered_fen, "
                        "t.change_fen, t.principal_fen, t.bonus_fen FROM tenders t "
                        "JOIN sales s ON s.id = t.sale_id"),
        "topups": rows("SELECT key, member_id, principal_fen, bonus_fen, method, voided_by "
                       "FROM topups"),
        "refunds": rows("SELECT s.receipt_no, r.action_key, r.amount_fen FROM refunds r "
                        "JOIN sales s ON s.id = r.sale_id"),
        "payments": rows("SELECT action_key, kind, method, amount_fen, shift_id, created_at "
                         "FROM payments"),
        "coupons": rows("SELECT code, template_code, member_id, reason, valid_from, valid_until,"
                        " used_at, used_receipt FROM coupons"),
        "shifts": rows("SELECT id, opened_by, float_fen, closed_by, counted_fen, expected_fen, "
                       "z_no FROM shifts"),
        "z_reports": rows("SELECT till_no, z_no, report_json FROM z_reports"),
        "outbox": conn.execute("SELECT seq, event_id, type, payload_json, chain FROM outbox "
                               "ORDER BY seq").fetchall(),
        "counters": rows("SELECT name, value FROM counters"),
        "totals": rows("SELECT name, amount FROM ledger_totals WHERE amount != 0"),
        "tier_changes": rows("SELECT member_id, from_tier, to_tier, reason, action_key "
                             "FROM tier_changes"),
    }
