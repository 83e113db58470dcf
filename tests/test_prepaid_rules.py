"""The prepaid-card rules at a top-up as pure functions (storeapp.prepaid_rules): the bank-transfer
thresholds (a company's ¥5,000, a person's ¥50,000: at, just below, just above), the payer's
account, the real name a named card needs, the agreement's version and hash, and how an account
close's refund is worked out."""

from __future__ import annotations

import hashlib

import pytest

from storeapp import prepaid_agreement, prepaid_rules
from storeapp.errors import InvalidInput, Refused
from storeapp.settings import Settings

ACCOUNT = "6222021100001234"


# -- the bank-transfer thresholds -----------------------------------------------------------------

@pytest.mark.parametrize(("total_fen", "company", "method", "account", "refused"), [
    (499_999, True, "cash", None, None),  # a company just below ¥5,000: cash is fine
    (500_000, True, "cash", None, "transfer_required.company"),  # at ¥5,000
    (500_001, True, "wechat", None, "transfer_required.company"),  # just above
    (500_000, True, "transfer", None, "payer_account_required"),
    (500_000, True, "transfer", ACCOUNT, None),
    (500_000, False, "cash", None, None),  # a person's ¥5,000 is not a company's
    (4_999_999, False, "card", None, None),  # a person just below ¥50,000
    (5_000_000, False, "cash", None, "transfer_required.person"),  # at ¥50,000
    (5_000_001, False, "alipay", None, "transfer_required.person"),  # just above
    (5_000_000, False, "transfer", "  ", "payer_account_required"),
    (5_000_000, False, "transfer", ACCOUNT, None),
    (1_000, False, "transfer", None, None),  # a small transfer names no account by law
])
def test_large_prepayments_only_by_bank_transfer_from_a_named_account(
        total_fen: int, company: bool, method: str, account: str | None,
        refused: str | None) -> None:
    def check() -> None:
        prepaid_rules.needs_transfer(total_fen, method=method, company=company,
                                     payer_account=account)

    if refused is None:
        check()
        return
    with pytest.raises(Refused) as broken:
        check()
    code, _, variant = refused.partition(".")
    assert (broken.value.code, broken.value.variant) == (code, variant)
    if code == "transfer_required":
        assert broken.value.params == {"total_fen": total_fen,
                                       "from_fen": 500_000 if company else 5_000_000}


def test_the_thresholds_are_the_laws() -> None:
    assert prepaid_rules.transfer_from_fen(True) == prepaid_rules.COMPANY_TRANSFER_FROM_FEN \
        == 500_000
    assert prepaid_rules.transfer_from_fen(False) == prepaid_rules.PERSON_TRANSFER_FROM_FEN \
        == 5_000_000


@pytest.mark.parametrize(("typed", "recorded"), [
    ("6222 0211 0000 1234", ACCOUNT),
    ("6222-0211-0000-1234", ACCOUNT),
    ("６２２２０２１１００００１２３４", ACCOUNT),  # full-width, from an input method
    ("12345678", "12345678"),  # 8 digits: the shortest
    ("1" * 32, "1" * 32),  # a long company account
    ("", None), ("   ", None),
])
def test_the_payer_account_is_recorded_as_digits(typed: str, recorded: str | None) -> None:
    assert prepaid_rules.payer_account(typed) == recorded


@pytest.mark.parametrize("typed", ["1234567", "1" * 33, "6222 0211 abcd 1234",
                                   "工行 6222021100001234", "+86 6222021100001234"])
def test_a_payer_account_that_is_not_one_is_refused(typed: str) -> None:
    with pytest.raises(InvalidInput) as bad:
        prepaid_rules.payer_account(typed)
    assert bad.value.code == "bad_payer_account"
    assert bad.value.params == {"min_digits": 8, "max_digits": 32}


def test_an_account_is_shown_by_its_last_four_digits() -> None:
    assert prepaid_rules.masked_account(ACCOUNT) == "****1234"
    assert prepaid_rules.masked_account(None) is None


# -- a named card's real name ------------------------------------------------------------------

@pytest.mark.parametrize("name", ["王芳", "欧阳晓梅", "张三", "Zoé Martin", "阿卜杜拉·买买提",
                                  "测试会员", "王先生明"])
def test_a_real_name_passes(name: str) -> None:
    prepaid_rules.check_real_name(name)


@pytest.mark.parametrize("name", ["", "  ", "王", "顾客", "会员", "Guest", "N/A", "王先生",
                                  "李女士", "欧阳女士", "张老板", "张三1", "会员0001"])
def test_a_name_that_names_nobody_is_refused(name: str) -> None:
    with pytest.raises(Refused) as refused:
        prepaid_rules.check_real_name(name)
    assert refused.value.code == "member_real_name_required"


# -- the prepaid agreement ------------------------------------------------------------------------

def test_the_agreement_in_force_is_the_setting_with_the_hash_of_its_text() -> None:
    shipped = prepaid_rules.agreement(Settings().prepaid_agreement)
    assert shipped.version == prepaid_agreement.VERSION
    assert shipped.text == prepaid_agreement.TEXT and "预付卡" in shipped.text
    assert shipped.sha256 == hashlib.sha256(prepaid_agreement.TEXT.encode()).hexdigest()
    assert shipped.short_hash == shipped.sha256[:12]
    assert shipped.qr == f"PREPAID-AGREEMENT:{shipped.version}:{shipped.sha256}"
    pushed = prepaid_rules.agreement({"version": "2026.2", "text": "新协议"})
    assert (pushed.version, pushed.sha256) == (
        "2026.2", hashlib.sha256("新协议".encode()).hexdigest())


@pytest.mark.parametrize("value", [{}, {"version": "", "text": "协议"},
                                   {"version": "1", "text": "  "}, {"version": "v" * 33,
                                                                    "text": "协议"}])
def test_no_top_up_under_an_agreement_nobody_can_show(value: dict[str, str]) -> None:
    with pytest.raises(Refused) as missing:
        prepaid_rules.agreement(value)
    assert missing.value.code == "prepaid_agreement_missing"


def test_the_member_accepts_the_version_they_were_shown() -> None:
    current = prepaid_rules.agreement({"version": "2026.2", "text": "新协议"})
    prepaid_rules.check_agreement_shown(current, None)
    prepaid_rules.check_agreement_shown(current, "2026.2")
    with pytest.raises(Refused) as changed:
        prepaid_rules.check_agreement_shown(current, "2025.1")
    assert (changed.value.code, changed.value.params) == ("agreement_changed",
                                                           {"version": "2026.2"})


# -- account close: the refund worked out --------------------------------------------------------

def test_the_refund_is_principal_paid_in_less_its_part_of_what_was_consumed() -> None:
    sums = {("topup", "principal"): 150_000, ("topup", "bonus"): 20_000,
            ("topup_void", "principal"): -50_000, ("topup_void", "bonus"): -5_000,
            ("spend", "principal"): -40_000, ("spend", "bonus"): -6_000,
            ("spend_refund", "principal"): 4_000, ("spend_refund", "bonus"): 600}
    worked = prepaid_rules.close_calculation(sums, principal_fen=64_000, bonus_fen=9_600)
    assert worked == prepaid_rules.CloseCalculation(
        paid_in_fen=100_000, bonus_given_fen=15_000, consumed_principal_fen=36_000,
        consumed_bonus_fen=5_400, other_principal_fen=0, other_bonus_fen=0, refund_fen=64_000,
        forfeited_bonus_fen=9_600)


def test_movements_at_other_stores_and_corrections_are_the_other_line() -> None:
    sums = {("topup", "principal"): 100_000, ("topup", "bonus"): 15_000,
            ("spend", "principal"): -20_000, ("spend", "bonus"): -3_000,
            ("sync", "principal"): -10_000, ("sync", "bonus"): -1_500,
            ("adjustment", "principal"): 500}
    worked = prepaid_rules.close_calculation(sums, principal_fen=70_500, bonus_fen=10_500)
    assert (worked.other_principal_fen, worked.other_bonus_fen) == (-9_500, -1_500)
    assert worked.paid_in_fen - worked.consumed_principal_fen + worked.other_principal_fen \
        == worked.refund_fen
    assert worked.bonus_given_fen - worked.consumed_bonus_fen + worked.other_bonus_fen \
        == worked.forfeited_bonus_fen
