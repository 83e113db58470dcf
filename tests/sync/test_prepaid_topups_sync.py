"""Head office checks a till's top-ups by the prepaid-card rules' own function
(storeapp.prepaid_rules.needs_transfer), on SQLite and PostgreSQL: an honest transfer top-up is
applied with the payer's account and the agreement kept in its event; a company's ¥5,000 or a
person's ¥50,000 that says it was paid in cash, or a transfer that names no account, is held,
not applied, with the rule it breaks. An honest till never sends one: someone with the till's
file wrote it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from storeapp import sealed_records
from storeapp.services import wallet
from sync.hq import models as m
from sync.hq import service
from sync.hq.db import HqDatabase
from sync.hq.member_keys import key_store
from tests.helpers import register, set_setting
from tests.sync.chain import chain_fixture, upload  # noqa: F401 (the fixture chain)
from tests.sync.test_countcards_sync import tamper_last_event

PHONE = "13800138000"
ACCOUNT = "6222021100001234"


def held(hq: HqDatabase) -> list[tuple[str, dict[str, Any]]]:
    with hq.transaction() as s:
        return [(h.reason, json.loads(h.detail_json))
                for h in s.scalars(select(m.HeldEvent).order_by(m.HeldEvent.id))]


def topup_events(hq: HqDatabase) -> list[dict[str, Any]]:
    with hq.transaction() as s:
        return [json.loads(e.payload) for e in s.scalars(
            select(m.Event).where(m.Event.type == "wallet_topped_up").order_by(m.Event.id))]


def principal_at_head_office(hq: HqDatabase) -> int:
    return int(service.member_show(hq, PHONE)["principal_fen"])


@pytest.mark.parametrize(("company", "amount_fen", "forged", "rule"), [
    (True, 600_000, {"method": "cash"}, "transfer_required"),
    (False, 5_000_000, {"method": "card"}, "transfer_required"),
    (True, 600_000, {"payer_account": None}, "payer_account_required"),
])
def test_a_large_top_up_in_cash_is_held_and_an_honest_transfer_applied(
        chain: Any, company: bool, amount_fen: int, forged: dict[str, Any], rule: str) -> None:
    hq, (a, _, _) = chain
    set_setting(a.db, "wallet_cap_fen", 20_000_000)
    zhang = register(a.db, phone=PHONE, name="张三")
    honest = wallet.topup(a.db, zhang.member_id, amount_fen, method="transfer",
                          company=company, payer_account=ACCOUNT, actor="C01")
    upload(hq, [a])
    assert held(hq) == []
    after_honest = principal_at_head_office(hq)
    assert after_honest == amount_fen
    [event] = topup_events(hq)
    assert (event["method"], event["agreement_sha256"]) == ("transfer", honest.agreement_sha256)
    # the account reached head office sealed to it: its private key opens it, nothing else
    assert ACCOUNT not in json.dumps(event)
    assert sealed_records.opened_at_head_office(
        key_store(hq).secret("member_private"), event, "topups", event["key"],
        "payer_account") == ACCOUNT

    wallet.topup(a.db, zhang.member_id, amount_fen, method="transfer", company=company,
                 payer_account=ACCOUNT, actor="C01")
    tamper_last_event(a.db, lambda body: [
        body.pop(k) if v is None else body.update({k: v}) for k, v in forged.items()])
    upload(hq, [a])
    [(reason, detail)] = held(hq)
    assert reason == "topup_breaks_rule"
    assert detail["rule"] == rule
    assert detail["paid_fen"] == amount_fen
    assert detail["from_fen"] == (500_000 if company else 5_000_000)
    assert principal_at_head_office(hq) == after_honest  # not applied
