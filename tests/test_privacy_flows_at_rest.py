"""Every counter flow that touches a member leaves no phone, name or birthday readable in the
till's file: a registration with a referrer and consents, sales paid from stored value with
points, a count card sold and used, a payment PIN, a consent withdrawn, a profile change, the
account closed (退卡) — with every receipt and slip they queued for the printer."""

from __future__ import annotations

from storeapp.db import Database
from storeapp.services import consents, countcards, members, wallet
from storeapp.services.sales import TenderIn
from tests.helpers import CASHIER, approve, register, sell, topup
from tests.test_privacy_at_rest import everything

PHONE, NAME, BORN = "13712398765", "慕容雪", "1993-09-17"
FRIEND_PHONE, FRIEND = "15899990000", "独孤求败"


def test_no_counter_flow_leaves_a_member_readable(db: Database, manager: object) -> None:
    friend = register(db, phone=FRIEND_PHONE, name=FRIEND, birthday="1970-01-02")
    made = members.register(db, phone=PHONE, name=NAME, birthday=BORN, actor=CASHIER,
                            referrer=friend.member_id, marketing_consent=True)
    topup(db, made, 30_000, method="cash")
    sell(db, made, 5_000, tenders=[TenderIn("wallet")])
    countcards.save_product(db, code="WASH10", name="洗车十次", covers="洗车", uses=10,
                            price_fen=20_000, valid_months=12, actor="M01")
    card = countcards.sell(db, made.member_id, "WASH10", method="cash", actor=CASHIER).card
    countcards.use(db, card.card_no, actor=CASHIER)
    members.set_pin(db, made.member_id, "246810", actor=CASHIER)
    consents.withdraw(db, made.member_id, "marketing_sms", actor=CASHIER)
    members.update_profile(db, made.member_id, name=NAME + "儿", actor=CASHIER)
    wallet.close_account(db, made.member_id, actor=CASHIER, grant=approve(db), method="cash")
    blob = everything(db.path)
    assert made.card_no.encode() in blob  # the grep sees what is kept in the clear
    for value in (PHONE, PHONE[-8:], NAME, NAME + "儿", BORN, BORN.replace("-", ""),
                  FRIEND_PHONE, FRIEND):
        for needle in (value.encode(), value.encode("utf-16-le")):
            assert needle not in blob, f"{value!r} readable in the till's file"
