"""Coupons (优惠券): templates, issuing by hand and by rule (welcome, birthday, top-up), and what
the member sees as usable. Using coupons at checkout is in ``test_sales``."""

from __future__ import annotations

import datetime as dt

import pytest

from storeapp.clock import FixedClock
from storeapp.db import Database
from storeapp.errors import InvalidInput, NotFound, Refused
from storeapp.identity import Shape, classify
from storeapp.services import coupons
from storeapp.services.members import MemberView
from tests.helpers import (
    CASHIER,
    START,
    add_coupon_template,
    counts,
    coupons_of,
    outbox_types,
    register,
    set_setting,
    topup,
)


@pytest.mark.parametrize(("kind", "value", "extra", "code"), [
    ("cash_back", 100, {}, "bad_coupon_kind"),
    ("percent_off", 0, {}, "bad_coupon_value"),
    ("percent_off", 100, {}, "bad_coupon_value"),
    ("amount_off", -1, {}, "bad_coupon_value"),
    ("amount_off", 100, {"valid_days": 0}, "bad_coupon"),
    ("amount_off", 100, {"min_spend_fen": -1}, "bad_coupon"),
])
def test_template_validation(db: Database, kind: str, value: int, extra: dict[str, int],
                             code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        coupons.add_template(db, code="T1", name="券", kind=kind, value=value, actor="HQ",
                             **extra)
    assert refused.value.code == code
    assert counts(db, "coupon_templates")["coupon_templates"] == 0


def test_template_codes_are_unique(db: Database) -> None:
    add_coupon_template(db, "TEN_OFF")
    with pytest.raises(Refused) as refused:
        add_coupon_template(db, "TEN_OFF")
    assert refused.value.code == "template_exists"


def test_issue_by_hand_gives_a_scannable_code_valid_for_the_template_days(
        db: Database, member: MemberView) -> None:
    add_coupon_template(db, "TEN_OFF", value=1_000, min_spend_fen=5_000, valid_days=30)
    issued = coupons.issue(db, "TEN_OFF", member.member_id, actor=CASHIER)
    assert classify(issued["code"]) is Shape.COUPON
    [row] = coupons_of(db, member)
    assert (row.code, row.reason, row.valid_from, row.valid_until, row.used_at) == (
        issued["code"], "manual", START, START + dt.timedelta(days=30), None)
    assert coupons.usable(db, member.member_id) == [{
        "code": issued["code"], "name": "券 TEN_OFF", "kind": "amount_off", "value": 1_000,
        "min_spend_fen": 5_000, "valid_until": "2026-04-09T02:00:00"}]
    assert outbox_types(db)[-1] == "coupon_issued"


def test_every_coupon_code_is_different(db: Database, member: MemberView) -> None:
    add_coupon_template(db, "T")
    codes = {coupons.issue(db, "T", member.member_id, actor=CASHIER)["code"] for _ in range(20)}
    assert len(codes) == 20


def test_unnamed_coupon_can_be_issued(db: Database) -> None:
    add_coupon_template(db, "FLYER")
    issued = coupons.issue(db, "FLYER", None, actor=CASHIER)
    assert issued["member_id"] is None


def test_issuing_an_unknown_template_is_refused(db: Database, member: MemberView) -> None:
    with pytest.raises(NotFound) as refused:
        coupons.issue(db, "NOPE", member.member_id, actor=CASHIER)
    assert refused.value.code == "unknown_coupon_template"
    assert coupons_of(db, member) == []


def test_expired_coupons_are_not_listed_as_usable(db: Database, clock: FixedClock,
                                                  member: MemberView) -> None:
    add_coupon_template(db, "SHORT", valid_days=7)
    coupons.issue(db, "SHORT", member.member_id, actor=CASHIER)
    clock.advance(days=7)
    assert coupons.usable(db, member.member_id) == []


def test_no_welcome_coupon_unless_the_chain_sets_one(db: Database) -> None:
    add_coupon_template(db, "WELCOME")
    assert coupons_of(db, register(db)) == []


def test_welcome_coupon_rule(db: Database) -> None:
    add_coupon_template(db, "WELCOME", value=500)
    set_setting(db, "welcome_coupon_template", "WELCOME")
    newcomer = register(db)
    [coupon] = coupons_of(db, newcomer)
    assert (coupon.template_code, coupon.reason) == ("WELCOME", "welcome")
    assert outbox_types(db)[-2:] == ["member_registered", "coupon_issued"]


def test_topup_coupon_rule_gives_the_best_matching_coupon(db: Database,
                                                          member: MemberView) -> None:
    add_coupon_template(db, "T5")
    add_coupon_template(db, "T20")
    set_setting(db, "topup_coupon_rules", [{"min_fen": 50_000, "template": "T5"},
                                           {"min_fen": 100_000, "template": "T20"}])
    assert topup(db, member, 49_999)["coupons"] == []
    assert len(topup(db, member, 50_000)["coupons"]) == 1
    assert len(topup(db, member, 100_000)["coupons"]) == 1
    assert sorted((c.template_code, c.reason) for c in coupons_of(db, member)) == [
        ("T20", "topup"), ("T5", "topup")]


# -- birthday coupons ---------------------------------------------------------------------------

@pytest.fixture
def birthday_template(db: Database) -> str:
    add_coupon_template(db, "BDAY", value=2_000, valid_days=31)
    set_setting(db, "birthday_coupon_template", "BDAY")
    return "BDAY"


def test_no_birthday_coupons_without_a_template(db: Database) -> None:
    register(db, birthday="1990-03-21")
    assert coupons.issue_birthday(db) == {"issued": 0, "replayed": False}


def test_birthday_coupon_goes_to_members_born_this_month(db: Database,
                                                        birthday_template: str) -> None:
    march = register(db, birthday="1990-03-21")
    april = register(db, birthday="1988-04-01")
    unknown = register(db)
    assert coupons.issue_birthday(db)["issued"] == 1
    assert [c.reason for c in coupons_of(db, march)] == ["birthday"]
    assert coupons_of(db, april) == coupons_of(db, unknown) == []


def test_birthday_coupon_is_issued_once_a_year(db: Database, clock: FixedClock,
                                               birthday_template: str) -> None:
    march = register(db, birthday="1990-03-21")
    coupons.issue_birthday(db)
    clock.advance(days=5)
    coupons.issue_birthday(db)  # the daily job runs again the same month
    assert len(coupons_of(db, march)) == 1
    clock.set(dt.datetime(2027, 3, 2, 2, 0))
    coupons.issue_birthday(db)
    assert len(coupons_of(db, march)) == 2


def test_member_registered_later_in_the_birthday_month_still_gets_one(
        db: Database, clock: FixedClock, birthday_template: str) -> None:
    early = register(db, birthday="1990-03-21")
    assert coupons.issue_birthday(db)["issued"] == 1
    clock.advance(days=3)
    late = register(db, birthday="1995-03-30")
    assert coupons.issue_birthday(db)["issued"] == 1
    assert len(coupons_of(db, early)) == len(coupons_of(db, late)) == 1


def test_frozen_members_get_no_birthday_coupon(db: Database, birthday_template: str) -> None:
    from storeapp.services import members

    frozen = register(db, birthday="1990-03-21")
    members.freeze(db, frozen.member_id, actor=CASHIER, reason="dispute")
    assert coupons.issue_birthday(db)["issued"] == 0


def test_new_year_in_the_store_counts_for_once_a_year(db: Database, clock: FixedClock,
                                                      birthday_template: str) -> None:
    january = register(db, birthday="1990-01-15")
    clock.set(dt.datetime(2026, 12, 31, 17, 0))  # 01:00 on 1 January 2027 in the store
    assert coupons.issue_birthday(db)["issued"] == 1
    clock.set(dt.datetime(2027, 1, 1, 3, 0))  # later the same store day, now 2027 in UTC too
    assert coupons.issue_birthday(db)["issued"] == 0
    assert len(coupons_of(db, january)) == 1
