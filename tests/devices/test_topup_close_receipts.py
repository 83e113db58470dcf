"""The prepaid-card rules on paper, decoded from the ESC/POS bytes a GB18030 printer receives on
80 mm and 58 mm paper: a top-up slip names the agreement the member accepted (version, the start
of its hash, a QR of both) and a transfer's payer by the last four digits only; an account close
(退卡) works its refund out in figures the member can check. The payloads are the print jobs the
real services wrote."""

from __future__ import annotations

import pytest

from storeapp import prepaid_agreement, prepaid_rules
from storeapp.db import Database
from storeapp.services import members, wallet
from storeapp.services.members import MemberView
from storeapp.services.sales import TenderIn
from tests.devices.receipt_helpers import MEMBER_NAME, MEMBER_PHONE, STORE, Stream
from tests.devices.test_countcard_receipts import PAPERS, jobs, line, paper
from tests.helpers import CASHIER, approve, sell, set_setting


@pytest.fixture
def shopper(db: Database, manager: object) -> MemberView:
    set_setting(db, "store_name", STORE)
    set_setting(db, "printer_uri", "tcp://127.0.0.1:9?timeout=0.2")  # jobs are written
    set_setting(db, "wallet_cap_fen", 10_000_000)
    return members.register(db, phone=MEMBER_PHONE, name=MEMBER_NAME, actor=CASHIER)


def written_out(stream: Stream, sum_: str) -> bool:
    """The sum printed on lines of its own (on 58 mm a long one wraps)."""
    return f"\n{sum_}\n" in "\n" + stream.text.replace("=\n", "= ") + "\n"


@pytest.mark.parametrize("profile", PAPERS)
def test_the_top_up_slip_names_the_agreement_accepted_and_masks_the_payer(
        db: Database, shopper: MemberView, profile: str) -> None:
    wallet.topup(db, shopper.member_id, 600_000, method="transfer", company=True,
                 payer_account="6222 0211 0000 1234", actor=CASHIER)
    payload = jobs(db, "topup")[-1]
    assert "02110000" not in str(payload)  # stored masked
    stream = paper("topup", payload, profile)
    accepted = wallet.agreement(db)
    assert line(stream, "预付卡协议")[0].endswith(f"v{prepaid_agreement.VERSION}")
    assert line(stream, "协议摘要")[0].endswith(accepted.sha256[:12])
    assert stream.qr_payloads() == [
        f"PREPAID-AGREEMENT:{accepted.version}:{accepted.sha256}".encode()]
    assert line(stream, "付款账号")[0].endswith("****1234")
    assert line(stream, "支付")[0].endswith("转账 Transfer")
    assert line(stream, "付款方")[0].endswith("单位 Company")
    assert "充值即同意此版本协议" in stream.text


@pytest.mark.parametrize("profile", PAPERS)
def test_a_slip_printed_before_the_agreement_was_recorded_still_prints(
        db: Database, shopper: MemberView, profile: str) -> None:
    wallet.topup(db, shopper.member_id, 50_000, method="cash", actor=CASHIER)
    payload = jobs(db, "topup")[-1]
    for key in ("agreement_version", "agreement_sha256"):
        del payload["topup"][key]
    stream = paper("topup", payload, profile)
    assert "预付卡协议" not in stream.text and stream.qr_payloads() == []
    assert "付款账号" not in stream.text


@pytest.mark.parametrize("profile", PAPERS)
def test_the_close_slip_works_the_refund_out(db: Database, shopper: MemberView,
                                             profile: str) -> None:
    wallet.topup(db, shopper.member_id, 100_000, method="wechat", actor=CASHIER)  # + ¥150
    sell(db, shopper, 46_000, tenders=[TenderIn("wallet")])  # ¥400 principal, ¥60 bonus
    wallet.close_account(db, shopper.member_id, actor=CASHIER, grant=approve(db),
                         method="transfer")
    stream = paper("close", jobs(db, "close")[-1], profile)
    assert "退款计算" in stream.text
    for label, amount in (("本金充值", "1,000.00"), ("赠送合计", "150.00"),
                          ("已消费", "460.00"), ("  本金部分", "400.00"),
                          ("  赠送部分", "60.00"), ("退款方式", "转账 Transfer")):
        assert line(stream, label)[0].endswith(amount), label
    assert "消费按本金与赠送余额的比例扣减" in stream.text
    # the subtractions written out, each result where the member can check it
    assert written_out(stream, "￥1,000.00 - ￥400.00 = ￥600.00")
    assert written_out(stream, "￥150.00 - ￥60.00 = ￥90.00")
    assert line(stream, "退款 ")[0].endswith("￥600.00")  # the refund, large
    assert "其他变动" not in stream.text


@pytest.mark.parametrize("profile", PAPERS)
def test_other_movements_show_as_their_own_line_and_in_the_sum(
        db: Database, shopper: MemberView, profile: str) -> None:
    wallet.topup(db, shopper.member_id, 100_000, method="cash", actor=CASHIER)
    wallet.adjust(db, shopper.member_id, principal_fen=-5_000, bonus_fen=0, actor=CASHIER,
                  grant=approve(db))
    wallet.close_account(db, shopper.member_id, actor=CASHIER, grant=approve(db),
                         method="transfer")
    stream = paper("close", jobs(db, "close")[-1], profile)
    assert line(stream, "其他变动 Other")[0].endswith("-￥50.00")
    assert written_out(stream, "￥1,000.00 - ￥0.00 - ￥50.00 = ￥950.00")
    assert written_out(stream, "￥150.00 - ￥0.00 = ￥150.00")


def test_the_close_figures_are_the_rules_own() -> None:
    worked = prepaid_rules.close_calculation(
        {("topup", "principal"): 100_000, ("spend", "principal"): -40_000},
        principal_fen=60_000, bonus_fen=0)
    assert worked.paid_in_fen - worked.consumed_principal_fen == worked.refund_fen == 60_000
