"""Members at the counter: registration, finding them, profile and PIN, card problems."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from storeapp.clock import FixedClock
from storeapp.db import Database
from storeapp.errors import AuthError, InvalidInput, NotFound, Refused
from storeapp.identity import is_card_no, make_card_no, sign_qr, verify_qr
from storeapp.models import AuditRow, Card, OutboxEvent
from storeapp.services import members, sales
from storeapp.services.members import MemberView
from storeapp.services.sales import LineIn, TenderIn
from tests.helpers import (
    CASHIER,
    MANAGER_CODE,
    all_rows,
    approvals,
    approve,
    card_status,
    counts,
    outbox_types,
    register,
    reload,
    topup,
)

# -- registration -------------------------------------------------------------------------------


def test_register_gives_a_card_a_qr_and_an_empty_account(db: Database) -> None:
    m = register(db, phone="+86 138-1234-5678", name="  张三  ", birthday="1990-05-20",
                 gender="M", marketing_consent=True)
    assert m.phone == "13812345678"
    assert m.name == "张三"
    assert m.card_no == make_card_no("0001", 1, 1)
    assert is_card_no(m.card_no)
    assert verify_qr(m.qr, db.settings.qr_secret) == m.card_no
    assert (m.tier, m.tier_name, m.tier_name_en) == ("regular", "普通", "Regular")
    assert (m.status, m.balance_fen, m.points) == ("active", 0, 0)
    assert (m.birthday, m.gender, m.marketing_consent, m.pin_set) == ("1990-05-20", "M", True,
                                                                      False)
    assert card_status(db, m.card_no) == "active"
    assert outbox_types(db) == ["member_registered"]
    assert [r.action for r in all_rows(db, AuditRow)] == ["member_registered"]


def test_card_numbers_follow_the_till_sequence(db: Database) -> None:
    first, second = register(db), register(db)
    assert first.card_no == make_card_no("0001", 1, 1)
    assert second.card_no == make_card_no("0001", 1, 2)


@pytest.mark.parametrize("phone", ["12345", "1381234567", "12812345678", "", "phone"])
def test_register_refuses_a_bad_phone_and_adds_nothing(db: Database, phone: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        register(db, phone=phone)
    assert refused.value.code == "bad_phone"
    assert counts(db, "members", "outbox")["members"] == 0


@pytest.mark.parametrize(("name", "why"), [
    ("", "needs a name"), ("   ", "needs a name"), ("张" * 33, "too long"),
    ("Bob\x07", "control characters"),
])
def test_register_refuses_a_bad_name(db: Database, name: str, why: str) -> None:
    with pytest.raises(InvalidInput, match=why) as refused:
        register(db, name=name)
    assert refused.value.code == "bad_name"
    assert counts(db, "members")["members"] == 0


def test_a_name_of_32_characters_is_accepted(db: Database) -> None:
    assert register(db, name="张" * 32).name == "张" * 32


@pytest.mark.parametrize(("fields", "code"), [
    ({"birthday": "1990-02-30"}, "bad_birthday"),
    ({"birthday": "20/05/1990"}, "bad_birthday"),
    ({"birthday": "1850-01-01"}, "bad_birthday"),
    ({"birthday": "2999-01-01"}, "bad_birthday"),
    ({"gender": "male"}, "bad_gender"),
])
def test_register_refuses_bad_optional_fields(db: Database, fields: dict[str, str],
                                              code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        register(db, **fields)
    assert refused.value.code == code


def test_duplicate_phone_is_refused_and_nothing_is_added(db: Database, member: MemberView) -> None:
    before = counts(db)
    with pytest.raises(Refused, match="already registered") as refused:
        register(db, phone="+86 138 1234 5678", name="李四")
    assert refused.value.code == "phone_taken"
    assert counts(db) == before
    # the refused registration gave its card number back
    assert register(db).card_no == make_card_no("0001", 1, 2)


# -- lookup -------------------------------------------------------------------------------------

def test_find_by_full_phone_in_any_format(db: Database, member: MemberView) -> None:
    register(db, phone="13987654321", name="李四")
    for typed in ("13812345678", "138 1234 5678", "+86 138-1234-5678"):
        assert [m.member_id for m in members.find(db, typed)] == [member.member_id]


def test_unknown_phone_finds_nobody(db: Database, member: MemberView) -> None:
    assert members.find(db, "13900000000") == []


def test_find_by_last_four_digits_most_recent_visit_first(db: Database, clock: FixedClock) -> None:
    old = register(db, phone="13800001234", name="老王")
    clock.advance(days=1)
    newer = register(db, phone="13900001234", name="小李")
    clock.advance(days=1)
    register(db, phone="13900004321", name="别人")
    assert [m.name for m in members.find(db, "1234")] == ["小李", "老王"]
    clock.advance(days=1)
    topup(db, old, 10_000)  # 老王 comes back today
    assert [m.member_id for m in members.find(db, "1234")] == [old.member_id, newer.member_id]


def test_tail_search_shows_one_page_of_twenty(db: Database, clock: FixedClock) -> None:
    for i in range(21):
        register(db, phone=f"139{i:04d}5678", name=f"会员{i:02d}")
        clock.advance(minutes=1)
    found = members.find(db, "5678")
    assert len(found) == members.PAGE == 20
    assert found[0].name == "会员20"  # the most recent visitor first
    assert "会员00" not in {m.name for m in found}
    assert len(members.find(db, "5678", limit=5)) == 5


def test_find_by_name_prefix_then_contains(db: Database) -> None:
    register(db, name="张三丰")
    register(db, name="张三")
    register(db, name="李张三")
    register(db, name="王五")
    assert [m.name for m in members.find(db, "张三")] == ["张三", "张三丰", "李张三"]
    assert [m.name for m in members.find(db, "王")] == ["王五"]
    assert members.find(db, "赵") == []


def test_find_by_card_number_and_qr(db: Database, member: MemberView) -> None:
    register(db, name="李四")
    assert [m.member_id for m in members.find(db, member.card_no)] == [member.member_id]
    assert [m.member_id for m in members.find(db, member.qr)] == [member.member_id]
    assert members.get(db, member.qr).member_id == member.member_id


def test_forged_or_unknown_qr_and_unknown_card_are_refused(db: Database,
                                                           member: MemberView) -> None:
    with pytest.raises(InvalidInput) as forged:
        members.find(db, sign_qr(member.card_no, "not-our-chain"))
    assert forged.value.code == "forged_qr"
    unknown = make_card_no("0009", 9, 9)
    with pytest.raises(NotFound) as not_found:
        members.find(db, unknown)
    assert not_found.value.code == "unknown_card"
    with pytest.raises(NotFound):
        members.find(db, sign_qr(unknown, db.settings.qr_secret))


def test_empty_and_oversized_queries(db: Database, member: MemberView) -> None:
    assert members.find(db, "   ") == []
    with pytest.raises(InvalidInput) as refused:
        members.find(db, "x" * 65)
    assert refused.value.code == "query_too_long"


def test_get_unknown_member(db: Database) -> None:
    with pytest.raises(NotFound) as refused:
        members.get(db, "13900000000")
    assert refused.value.code == "unknown_member"


# -- lost and replaced cards --------------------------------------------------------------------

def test_lost_card_blocks_card_and_qr_but_phone_still_finds_the_member(
        db: Database, member: MemberView) -> None:
    topup(db, member, 50_000)
    members.report_lost(db, member.member_id, actor=CASHIER)
    assert card_status(db, member.card_no) == "lost"
    for ref in (member.card_no, member.qr):
        with pytest.raises(Refused, match="reported lost") as refused:
            members.find(db, ref)
        assert refused.value.code == "card_lost"
    found = members.find(db, "13812345678")
    assert [m.balance_fen for m in found] == [55_000]
    assert "member_card_lost" in outbox_types(db)


def test_a_lost_card_cannot_pay_from_stored_value(db: Database, member: MemberView) -> None:
    topup(db, member, 50_000)
    members.report_lost(db, member.member_id, actor=CASHIER)
    with pytest.raises(Refused) as refused:
        sales.checkout(db, member_ref=member.phone, lines=[LineIn(unit_price_fen=1_000)],
                       tenders=[TenderIn("wallet")], actor=CASHIER)
    assert refused.value.code == "card_lost"
    assert reload(db, member).balance_fen == 55_000


def test_reporting_a_card_lost_twice_is_refused(db: Database, member: MemberView) -> None:
    members.report_lost(db, member.member_id, actor=CASHIER)
    with pytest.raises(Refused) as refused:
        members.report_lost(db, member.member_id, actor=CASHIER)
    assert refused.value.code == "already_lost"


def test_replace_card_needs_a_manager(db: Database, member: MemberView) -> None:
    with pytest.raises(AuthError) as refused:
        members.replace_card(db, member.member_id, actor=CASHIER, grant=None)
    assert refused.value.code == "approval_required"
    assert reload(db, member).card_no == member.card_no


def test_replaced_card_carries_the_balance_and_the_old_card_is_dead(
        db: Database, manager: object, member: MemberView) -> None:
    topup(db, member, 50_000)
    members.report_lost(db, member.member_id, actor=CASHIER)
    new = members.replace_card(db, member.member_id, actor=CASHIER,
                               grant=approve(db, "card lost on the bus"))
    assert new.card_no != member.card_no
    assert is_card_no(new.card_no)
    assert (new.balance_fen, new.principal_fen, new.bonus_fen) == (55_000, 50_000, 5_000)
    assert members.find(db, new.card_no)[0].member_id == member.member_id
    assert members.find(db, new.qr)[0].member_id == member.member_id
    for old in (member.card_no, member.qr):
        with pytest.raises(Refused):
            members.find(db, old)
    [approval] = approvals(db)
    assert (approval.kind, approval.requested_by, approval.approved_by, approval.reason) == (
        "card_replace", CASHIER, MANAGER_CODE, "card lost on the bus")
    # and the new card pays
    sale = sales.checkout(db, member_ref=new.qr, lines=[LineIn(unit_price_fen=1_100)],
                          tenders=[TenderIn("wallet")], actor=CASHIER)
    assert sale["member_after"]["balance_fen"] == 55_000 - 1_100


def test_replacing_an_active_card_marks_it_replaced(db: Database, manager: object,
                                                    member: MemberView) -> None:
    members.replace_card(db, member.member_id, actor=CASHIER, grant=approve(db, "worn out"))
    assert card_status(db, member.card_no) == "replaced"
    with pytest.raises(Refused) as refused:
        members.find(db, member.card_no)
    assert refused.value.code == "card_inactive"
    with db.reader() as s:
        cards = s.scalars(select(Card).where(Card.member_id == member.member_id)).all()
    assert sorted(c.status for c in cards) == ["active", "replaced"]


# -- freeze -------------------------------------------------------------------------------------

def test_frozen_member_cannot_top_up_or_spend(db: Database, member: MemberView) -> None:
    topup(db, member, 10_000)
    members.freeze(db, member.member_id, actor=CASHIER, reason="suspicious activity")
    assert members.find(db, member.phone)[0].status == "frozen"
    with pytest.raises(Refused) as no_topup:
        topup(db, member, 10_000)
    assert no_topup.value.code == "member_frozen"
    with pytest.raises(Refused) as no_spend:
        sales.checkout(db, member_ref=member.member_id, lines=[LineIn(unit_price_fen=500)],
                       tenders=[TenderIn("wallet")], actor=CASHIER)
    assert no_spend.value.code == "member_frozen"
    assert reload(db, member).balance_fen == 10_000


def test_unfreeze_needs_a_manager(db: Database, manager: object, member: MemberView) -> None:
    members.freeze(db, member.member_id, actor=CASHIER, reason="suspicious")
    with pytest.raises(AuthError) as refused:
        members.unfreeze(db, member.member_id, actor=CASHIER, grant=None)
    assert refused.value.code == "approval_required"
    assert reload(db, member).status == "frozen"
    after = members.unfreeze(db, member.member_id, actor=CASHIER,
                             grant=approve(db, "member showed ID"))
    assert after.status == "active"
    assert topup(db, member, 10_000)["balance_fen"] == 10_000
    assert [a.kind for a in approvals(db)] == ["unfreeze"]


def test_freezing_twice_is_refused(db: Database, member: MemberView) -> None:
    members.freeze(db, member.member_id, actor=CASHIER, reason="x")
    with pytest.raises(Refused) as refused:
        members.freeze(db, member.member_id, actor=CASHIER, reason="x")
    assert refused.value.code == "no_change"


# -- profile and PIN ----------------------------------------------------------------------------

def test_update_profile_is_stored(db: Database, member: MemberView) -> None:
    after = members.update_profile(db, member.member_id, actor=CASHIER, name="张三丰",
                                   birthday="1985-12-01", gender="M", marketing_consent=True)
    assert (after.name, after.birthday, after.gender, after.marketing_consent) == (
        "张三丰", "1985-12-01", "M", True)
    assert reload(db, member).name == "张三丰"
    assert "member_profile_updated" in outbox_types(db)


def test_changing_phone_moves_lookup_to_the_new_number(db: Database, member: MemberView) -> None:
    members.update_profile(db, member.member_id, actor=CASHIER, phone="139 8765 4321")
    assert members.find(db, "13812345678") == []
    assert members.find(db, "13987654321")[0].member_id == member.member_id
    assert members.find(db, "4321")[0].member_id == member.member_id
    assert members.find(db, "5678") == []


def test_profile_update_refusals(db: Database, member: MemberView) -> None:
    other = register(db, phone="13987654321")
    with pytest.raises(Refused) as taken:
        members.update_profile(db, member.member_id, actor=CASHIER, phone=other.phone)
    assert taken.value.code == "phone_taken"
    with pytest.raises(InvalidInput) as nothing:
        members.update_profile(db, member.member_id, actor=CASHIER)
    assert nothing.value.code == "nothing_to_change"
    with pytest.raises(InvalidInput) as bad_name:
        members.update_profile(db, member.member_id, actor=CASHIER, name=" ")
    assert bad_name.value.code == "bad_name"
    assert reload(db, member).phone == "13812345678"


def test_set_pin_and_reset_needs_a_manager(db: Database, manager: object,
                                           member: MemberView) -> None:
    with pytest.raises(InvalidInput) as bad:
        members.set_pin(db, member.member_id, "12345", actor=CASHIER)
    assert bad.value.code == "bad_pin"
    assert members.set_pin(db, member.member_id, "135790", actor=CASHIER).pin_set
    with pytest.raises(AuthError) as refused:
        members.set_pin(db, member.member_id, "246801", actor=CASHIER)
    assert refused.value.code == "approval_required"
    members.set_pin(db, member.member_id, "246801", actor=CASHIER,
                    grant=approve(db, "member forgot PIN"))
    assert [a.kind for a in approvals(db)] == ["pin_reset"]


def test_retrying_set_pin_with_the_same_key_posts_once(db: Database, member: MemberView) -> None:
    # A till retrying after a timeout sends the same key and the same PIN again.
    members.set_pin(db, member.member_id, "135790", actor=CASHIER, key="pin-1")
    before = counts(db)
    members.set_pin(db, member.member_id, "135790", actor=CASHIER, key="pin-1")
    assert counts(db) == before
    topup(db, member, 10_000)
    sale = sales.checkout(db, member_ref=member.member_id, lines=[LineIn(unit_price_fen=500)],
                          tenders=[TenderIn("wallet")], actor=CASHIER, pin="135790")
    assert sale["member_after"]["balance_fen"] == 9_500


def test_registration_is_stamped_with_the_till_clock(db: Database, clock: FixedClock) -> None:
    clock.set(dt.datetime(2026, 6, 1, 8, 30))
    m = register(db)
    assert (m.created_at, m.last_visit_at) == ("2026-06-01T08:30:00", "2026-06-01T08:30:00")


def test_registration_event_carries_the_birthday_or_null_sealed(db: Database) -> None:
    register(db, birthday="1990-05-20")
    register(db)
    events = [json.loads(e.payload_json) for e in all_rows(db, OutboxEvent)
              if e.type == "member_registered"]
    assert all("birthday" not in e and "phone" not in e and "name" not in e for e in events)
    assert [db.pii.from_event(e).birthday for e in events] == [dt.date(1990, 5, 20), None]


def test_foreign_member_is_found_by_e164_phone_and_tail(db: Database) -> None:
    m = register(db, phone="+44 7911 123456", name="Alice")
    assert m.phone == "+447911123456"
    assert members.find(db, "+44 7911 123456")[0].member_id == m.member_id
    assert members.find(db, "3456")[0].member_id == m.member_id


def test_find_by_phone_with_the_0086_prefix(db: Database, member: MemberView) -> None:
    for typed in ("008613812345678", "0086 138 1234 5678"):
        assert [m.member_id for m in members.find(db, typed)] == [member.member_id]
