"""Count cards (次卡) at one till: selling, using oldest first, refunding the unused part for its
value, adjusting, expiring; the value rule; reports equal to an independent sum of the cards;
and a random sequence of all of it keeping every invariant."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from storeapp import count_rules, sync_state
from storeapp.clock import FixedClock
from storeapp.db import Database
from storeapp.errors import AuthError, DomainError, InvalidInput, NotFound, Refused
from storeapp.integrity import ledger_problems
from storeapp.models import CountCard, CountEntry, OutboxEvent, Payment, PrintJob
from storeapp.reports.daily import daily
from storeapp.reports.liability import liability
from storeapp.services import countcards, members
from storeapp.services.members import MemberView
from storeapp.services.users import Staff
from tests.helpers import CASHIER, START, approve, copy_database, register, set_setting, topup


@pytest.fixture
def wash(db: Database) -> countcards.CardProductView:
    return countcards.save_product(db, code="WASH10", name="洗车10次卡", covers="洗车", uses=10,
                                   price_fen=30_000, valid_months=12, actor=CASHIER)


def sell(db: Database, member: MemberView, product: str = "WASH10", **kwargs: object
         ) -> countcards.CardSold:
    return countcards.sell(db, member.member_id, product, method=str(kwargs.pop("method", "cash")),
                           actor=CASHIER, **kwargs)  # type: ignore[arg-type]


def facts(report: object, section: str) -> dict[str, object]:
    data = report.to_dict()  # type: ignore[attr-defined]
    return dict(data[section])


# -- the value rule -------------------------------------------------------------------------------

@given(paid=st.integers(1, 10_000_000), total=st.integers(1, 1000), data=st.data())
def test_moves_add_up_to_paid_times_unused_over_total_within_a_fen(
        paid: int, total: int, data: st.DataObject) -> None:
    left, value = 0, 0
    for uses in [total, *data.draw(st.lists(st.integers(-total, total), max_size=30))]:
        value += count_rules.value_change(paid, total, left, uses)
        left += uses
        unused = min(max(left, 0), total)
        assert value == count_rules.value_of(paid, total, left)
        assert abs(value - paid * unused / total) < 1


def test_a_refund_gives_the_bonus_part_back_as_bonus_never_more_than_the_value() -> None:
    assert count_rules.refund_split(30_000, 2_728, 10, 8) == (24_000, 2_182)
    assert count_rules.refund_split(30_000, 0, 10, 10) == (30_000, 0)
    assert count_rules.refund_split(1, 1, 3, 1) == (0, 0)


def test_uses_come_from_the_scanned_card_first_then_the_soonest_to_expire() -> None:
    soon, later = dt.datetime(2027, 1, 1), dt.datetime(2027, 6, 1)
    lots = [count_rules.Lot("B", 5, later), count_rules.Lot("A", 2, soon),
            count_rules.Lot("C", 4, later)]
    assert count_rules.take_oldest_first(lots, 4) == [
        count_rules.Take("A", 2), count_rules.Take("B", 2)]
    assert count_rules.take_oldest_first(lots, 6, first="C") == [
        count_rules.Take("C", 4), count_rules.Take("A", 2)]
    assert sum(t.uses for t in count_rules.take_oldest_first(lots, 99)) == 11


# -- selling and using ----------------------------------------------------------------------------

def test_a_card_sold_for_cash_is_owed_until_used(db: Database, member: MemberView,
                                                 wash: countcards.CardProductView) -> None:
    sold = sell(db, member)
    card = sold.card
    assert (card.uses_total, card.uses_left, card.paid_fen, card.value_fen, card.status) == (
        10, 10, 30_000, 30_000, "active")
    assert card.card_no.startswith("K0001") and card.qr.startswith("K1-")
    assert card.expires_at.startswith("2027-03-10")  # 12 months
    used = countcards.use(db, card.qr, uses=3, actor=CASHIER)  # its QR scanned
    assert (used.uses, used.value_fen, used.cards[0].uses_left) == (3, 9_000, 7)
    assert liability(db).to_dict()["liability"]["count_cards_value_fen"] == 21_000
    with db.reader() as s:
        assert s.scalar(select(func.sum(Payment.amount_fen)).where(
            Payment.kind == "countcard")) == 30_000
        events = [json.loads(e.payload_json) for e in s.scalars(select(OutboxEvent))]
    used_event = next(e for e in events if e["type"] == "countcard_used")
    assert used_event["count"] == [{"card_no": card.card_no, "member_id": member.member_id,
                                    "uses": -3, "value_fen": -9_000, "after": [7, 21_000]}]


def test_a_card_paid_from_stored_value_takes_principal_and_bonus_in_proportion(
        db: Database, member: MemberView, wash: countcards.CardProductView) -> None:
    topup(db, member, 50_000)  # + ¥50 bonus
    sold = sell(db, member, method="wallet")
    assert (sold.principal_fen, sold.bonus_fen) == (27_272, 2_728)  # the odd fen to bonus
    after = members.get(db, member.member_id)
    assert (after.principal_fen, after.bonus_fen) == (50_000 - 27_272, 5_000 - 2_728)


def test_a_member_holding_two_kinds_must_say_which(db: Database, member: MemberView,
                                                   wash: countcards.CardProductView) -> None:
    countcards.save_product(db, code="CUT12", name="理发12次", covers="理发", uses=12,
                            price_fen=38_800, valid_months=6, actor=CASHIER)
    sell(db, member)
    sell(db, member, "CUT12")
    with pytest.raises(Refused) as refused:
        countcards.use(db, member.phone, actor=CASHIER)
    assert refused.value.code == "which_count_card"
    used = countcards.use(db, member.phone, product_code="CUT12", actor=CASHIER)
    assert used.cards[0].name == "理发12次" and used.cards[0].uses_left == 11


def test_uses_run_across_cards_soonest_to_expire_first(db: Database, clock: FixedClock,
                                                       member: MemberView,
                                                       wash: countcards.CardProductView) -> None:
    first = sell(db, member).card
    clock.advance(days=30)
    second = sell(db, member).card
    countcards.use(db, member.phone, uses=8, actor=CASHIER)
    used = countcards.use(db, member.phone, uses=4, actor=CASHIER)
    assert [(c.card_no, c.uses, c.uses_left) for c in used.cards] == [
        (first.card_no, 2, 0), (second.card_no, 2, 8)]
    with pytest.raises(Refused) as refused:
        countcards.use(db, member.phone, uses=9, actor=CASHIER)
    assert refused.value.code == "count_card_used_up"
    assert countcards.show(db, second.card_no).uses_left == 8  # nothing taken


def test_what_a_use_refuses_changes_nothing(db: Database, clock: FixedClock, member: MemberView,
                                            wash: countcards.CardProductView) -> None:
    card = sell(db, member).card
    before = countcards.show(db, card.card_no)
    with pytest.raises(InvalidInput):
        countcards.use(db, card.card_no, uses=0, actor=CASHIER)
    with pytest.raises(InvalidInput) as forged:
        countcards.use(db, card.qr[:-1] + ("A" if card.qr[-1] != "A" else "B"), actor=CASHIER)
    assert forged.value.code == "forged_qr"
    with pytest.raises(NotFound):
        countcards.use(db, "K00019900000017", actor=CASHIER)
    clock.advance(days=400)
    with pytest.raises(Refused) as expired:
        countcards.use(db, card.card_no, actor=CASHIER)
    assert expired.value.code == "count_card_expired"
    assert countcards.show(db, card.card_no).uses_left == before.uses_left


def test_a_card_for_other_stores_is_refused_here(db: Database, member: MemberView) -> None:
    countcards.save_product(db, code="SPA", name="水疗5次", covers="水疗", uses=5,
                            price_fen=50_000, valid_months=12, stores="0002,0003",
                            actor=CASHIER)
    card = sell(db, member, "SPA").card
    with pytest.raises(Refused) as refused:
        countcards.use(db, card.card_no, actor=CASHIER)
    assert refused.value.code == "count_card_elsewhere"


def test_the_same_key_twice_uses_once(db: Database, member: MemberView,
                                      wash: countcards.CardProductView) -> None:
    card = sell(db, member).card
    first = countcards.use(db, card.card_no, uses=2, actor=CASHIER, key="use-1")
    again = countcards.use(db, card.card_no, uses=2, actor=CASHIER, key="use-1")
    assert again.replayed and again.cards == first.cards
    assert countcards.show(db, card.card_no).uses_left == 8


def test_a_linked_till_that_lost_head_office_gives_only_the_offline_uses(
        db: Database, clock: FixedClock, member: MemberView,
        wash: countcards.CardProductView) -> None:
    card = sell(db, member).card
    set_setting(db, "hq_url", "http://127.0.0.1:9")
    with db.session() as s, s.begin():
        sync_state.write(s, last_contact_at=clock.now(), offline_since=clock.now())
    countcards.use(db, card.card_no, uses=2, actor=CASHIER)  # the card's 2 offline uses
    with pytest.raises(Refused) as refused:
        countcards.use(db, card.card_no, actor=CASHIER)
    assert refused.value.code == "offline_limit_uses"
    clock.advance(hours=100)
    with pytest.raises(Refused) as too_long:
        countcards.use(db, card.card_no, actor=CASHIER)
    assert too_long.value.code == "offline_too_long"


# -- refund, adjust, expire -----------------------------------------------------------------------

def test_a_refund_pays_back_the_unused_part_with_approval(
        db: Database, member: MemberView, manager: Staff,
        wash: countcards.CardProductView) -> None:
    card = sell(db, member).card
    countcards.use(db, card.card_no, uses=3, actor=CASHIER)
    with pytest.raises(AuthError):
        countcards.refund(db, card.card_no, actor=CASHIER, grant=None)
    refunded = countcards.refund(db, card.card_no, actor=CASHIER, grant=approve(db))
    assert (refunded.uses, refunded.refund_fen, refunded.method) == (7, 21_000, "cash")
    assert countcards.show(db, card.card_no).status == "refunded"
    with pytest.raises(Refused):
        countcards.refund(db, card.card_no, actor=CASHIER, grant=approve(db))
    with db.reader() as s:
        assert s.scalar(select(func.sum(Payment.amount_fen)).where(
            Payment.kind == "countcard_refund")) == -21_000


def test_a_card_paid_from_stored_value_goes_back_there_and_its_bonus_is_never_cash(
        db: Database, member: MemberView, manager: Staff,
        wash: countcards.CardProductView) -> None:
    topup(db, member, 50_000)
    card = sell(db, member, method="wallet").card
    countcards.use(db, card.card_no, uses=2, actor=CASHIER)
    back = countcards.refund(db, card.card_no, actor=CASHIER, grant=approve(db))
    assert (back.method, back.refund_fen, back.bonus_fen) == ("wallet", 24_000, 2_182)
    after = members.get(db, member.member_id)
    assert (after.principal_fen, after.bonus_fen) == (
        50_000 - 27_272 + 24_000 - 2_182, 5_000 - 2_728 + 2_182)
    card2 = sell(db, member, method="wallet").card
    cash = countcards.refund(db, card2.card_no, actor=CASHIER, grant=approve(db), method="cash")
    bonus_part = count_rules.value_of(countcards.show(db, card2.card_no).paid_fen, 10, 10)
    assert cash.bonus_fen == 0 and cash.refund_fen < bonus_part  # the bonus part stays


def test_an_adjustment_needs_approval_and_never_adds_value(
        db: Database, member: MemberView, manager: Staff,
        wash: countcards.CardProductView) -> None:
    card = sell(db, member).card
    with pytest.raises(AuthError):
        countcards.adjust(db, card.card_no, 1, actor=CASHIER, grant=None)
    added = countcards.adjust(db, card.card_no, 1, actor=CASHIER, grant=approve(db))
    assert (added.uses_left, added.value_fen) == (11, 30_000)
    taken = countcards.adjust(db, card.card_no, -3, actor=CASHIER, grant=approve(db))
    assert (taken.uses_left, taken.value_fen) == (8, 24_000)


def test_expiry_takes_what_is_left_once(db: Database, clock: FixedClock, member: MemberView,
                                        wash: countcards.CardProductView) -> None:
    card = sell(db, member).card
    countcards.use(db, card.card_no, uses=4, actor=CASHIER)
    assert countcards.expire_due(db).cards == 0
    clock.advance(days=366)
    expired = countcards.expire_due(db)
    assert (expired.cards, expired.uses, expired.value_fen) == (1, 6, 18_000)
    assert countcards.expire_due(db).cards == 0
    assert countcards.cards(db, member.phone)[0].uses_left == 0


def test_each_action_prints_its_slip(db: Database, member: MemberView, manager: Staff,
                                     wash: countcards.CardProductView) -> None:
    set_setting(db, "printer_uri", "file:/dev/null")
    card = sell(db, member).card
    countcards.use(db, card.card_no, uses=2, actor=CASHIER)
    countcards.refund(db, card.card_no, actor=CASHIER, grant=approve(db))
    with db.reader() as s:
        jobs = {j.kind: json.loads(j.payload_json) for j in s.scalars(select(PrintJob))}
    assert set(jobs) == {"countcard", "countcard_use", "countcard_refund"}
    assert jobs["countcard_use"]["used"]["cards"][0]["uses_left"] == 8
    assert jobs["countcard"]["member"]["phone"].count("*") == 4  # masked before it is stored


# -- reports equal an independent sum of the cards ------------------------------------------------

def test_liability_and_daily_report_equal_the_cards_own_sum(
        db: Database, clock: FixedClock, manager: Staff,
        wash: countcards.CardProductView) -> None:
    zhang, li = register(db, name="张三"), register(db, name="李四")
    a, b = sell(db, zhang).card, sell(db, li).card
    countcards.use(db, a.card_no, uses=3, actor=CASHIER)
    countcards.use(db, b.card_no, uses=7, actor=CASHIER)
    countcards.refund(db, b.card_no, actor=CASHIER, grant=approve(db))
    c = countcards.save_product(db, code="TEA3", name="茶饮3杯", covers="茶", uses=3,
                                price_fen=1_000, valid_months=1, actor=CASHIER)
    tea = sell(db, zhang, c.code).card
    countcards.use(db, tea.card_no, actor=CASHIER)
    with db.reader() as s:
        cards = s.scalars(select(CountCard)).all()
        independent = sum(card.paid_fen * card.uses_left // card.uses_total for card in cards)
        uses = sum(card.uses_left for card in cards)
    assert (independent, uses) == (21_000 + 666, 7 + 2)
    owed = liability(db).to_dict()["liability"]
    assert (owed["count_cards_value_fen"], owed["count_cards_uses"]) == (independent, uses)
    day = facts(daily(db), "count_cards")
    assert day["sold_count"] == 3 and day["sold_fen"] == 61_000
    assert day["used_uses"] == 11 and day["used_fen"] == 9_000 + 21_000 + 334
    assert day["refunded_fen"] == 9_000
    assert day["closing_value_fen"] == independent
    assert day["sold_fen"] - day["used_fen"] - day["refunded_fen"] - day["expired_fen"] == \
        day["closing_value_fen"] - day["opening_value_fen"]
    clock.advance(days=40)  # the tea card expires: its value leaves the liability
    countcards.expire_due(db)
    assert liability(db).to_dict()["liability"]["count_cards_value_fen"] == 21_000
    assert liability(db, at=START + dt.timedelta(hours=1)).to_dict()["liability"][
        "count_cards_value_fen"] == independent  # as of before the expiry


# -- random sequences -----------------------------------------------------------------------------

@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(st.tuples(st.integers(0, 6), st.integers(0, 50)), min_size=5,
                      max_size=40))
def test_any_sequence_keeps_uses_value_and_journal_in_step(
        tmp_path_factory: pytest.TempPathFactory, migrated_template: Path,
        steps: list[tuple[int, int]]) -> None:
    path = tmp_path_factory.mktemp("cards") / "till.db"
    copy_database(migrated_template, path)
    clock = FixedClock(START)
    db = Database(path, clock=clock)
    try:
        from storeapp.services import users

        users.add_user(db, code="M01", name="经理", role="manager", pin="246800", actor="t")
        for code, uses, price, months in (("A", 10, 30_000, 12), ("B", 3, 1_000, 1),
                                          ("C", 7, 9_999, 2)):
            countcards.save_product(db, code=code, name=code, covers=code, uses=uses,
                                    price_fen=price, valid_months=months, actor=CASHIER)
        people = [register(db, phone=f"1380000000{i}") for i in range(3)]
        done: dict[str, int] = {}
        for choice, n in steps:
            card_nos = sorted(done)
            try:
                if choice <= 1 or not card_nos:
                    sold = sell(db, people[n % 3], "ABC"[n % 3])
                    done[sold.card.card_no] = 0
                elif choice <= 3:
                    countcards.use(db, card_nos[n % len(card_nos)], uses=1 + n % 4,
                                   actor=CASHIER, key=f"k{n}")  # a retry now and then
                elif choice == 4:
                    countcards.refund(db, card_nos[n % len(card_nos)], actor=CASHIER,
                                      grant=approve(db))
                elif choice == 5:
                    countcards.adjust(db, card_nos[n % len(card_nos)], n % 5 - 2,
                                      actor=CASHIER, grant=approve(db))
                else:
                    clock.advance(days=n)
                    countcards.expire_due(db)
            except DomainError:
                pass
            clock.advance(minutes=1)
        with db.reader() as s:
            assert ledger_problems(s) == []
            for card in s.scalars(select(CountCard)):
                assert card.uses_left >= 0  # one till alone never overuses
                assert card.value_fen == count_rules.value_of(card.paid_fen, card.uses_total,
                                                              card.uses_left)
            sold_value = s.scalar(select(func.total(CountEntry.value_fen)).where(
                CountEntry.kind == "sale"))
            assert sold_value == s.scalar(select(func.total(CountCard.paid_fen)))
    finally:
        db.close()
