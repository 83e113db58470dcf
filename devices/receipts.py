"""What each receipt shows, as a :class:`~devices.layout.Receipt` built from a plain JSON payload.

The print queue persists ``(kind, payload)`` before printing and calls :func:`build`; a payload
holds everything the receipt shows (store, till, cashier included), so a reprint needs nothing
else. Names and phones are masked here whatever the payload holds, and :func:`member_fields`
masks them before they are stored.

Payload keys, by kind (``[key]`` is optional; every kind takes ``store_name``, ``till``,
``cashier``, ``[reprint]`` (prints "重印 REPRINT") and ``[open_drawer]``; ``at`` is ISO-8601,
naive means UTC as the services return it). The drawer opens when ``open_drawer`` is true; without
the key, when cash went through it (a cash tender or method) and the receipt is not a reprint.

The receipt's own words are :class:`~devices.labels.Label` s (Chinese and English), so each
printer prints them in words it has (Traditional under Big5, English on a code page); what the
payload holds (names, products, codes) is data and prints as written. A Z report's row labels
and a tier's ``"金卡 Gold"`` arrive as text and are split into labels by
:func:`devices.labels.split`.

``sale``
    ``sale``: the dict :func:`storeapp.services.sales.checkout` or ``get_sale`` returns
    (``receipt_no``, ``at``, ``lines``, ``subtotal_fen``, ``discount_fen``, ``coupon_code``,
    ``coupon_fen``, ``points_redeemed``, ``points_fen``, ``total_fen``, ``points_earned``,
    ``tenders`` (a gift card's or company account's names it in ``ref``), ``[member_after]``,
    ``[tier_upgraded_to]``, ``[staff_code]``); ``[member]``: :func:`member_fields`;
    ``[tier_names]``: :func:`tier_names`; ``[plan_value]``: :func:`plan_value` (``kind``
    ``saved`` or ``missed``, ``plan_code``, ``plan_name``, ``amount_fen``, ``fee_fen``);
    ``[prompts]``: head office's campaign lines for the member (生日快乐：已送¥20券), as written;
    ``[self_service]``: :func:`storeapp.receipt_jobs.self_service` (``url``, ``expires_at``),
    the member's own page at head office, printed as a QR under the member's.
``topup``
    ``topup``: the dict :func:`storeapp.services.wallet.topup` returns (``[payer_account_masked]``
    and ``[company]`` for a transfer; ``[agreement_version]`` and ``[agreement_sha256]``, the
    prepaid agreement accepted, printed with its QR); ``member``; ``at``.
``refund``
    ``refund``: the dict :func:`storeapp.services.sales.refund` returns; ``[member]``.
``void``
    ``void``: the dict :func:`storeapp.services.wallet.void_topup` returns; ``member`` (its
    balance keys, when present, show the balance after); ``at``.
``close``
    ``close``: the dict :func:`storeapp.services.wallet.close_account` returns (with
    ``paid_in_fen`` and the other figures of its refund calculation, printed in words when
    present); ``member``; ``at``.
``registration``
    ``member``: :func:`member_fields` of the new member (``qr`` and ``card_no`` needed,
    ``[referral_code]``, the card number when missing); ``at``; ``[self_service]`` as for a sale.
``countcard``
    ``sold``: the dict :func:`storeapp.services.countcards.sell` returns (``card`` with
    ``card_no``, ``name``, ``uses_total``, ``uses_left``, ``paid_fen``, ``expires_at``,
    ``[qr]``; ``method``, ``principal_fen``, ``bonus_fen``); ``member``; ``at``.
``countcard_use``
    ``used``: the dict :func:`storeapp.services.countcards.use` returns (``uses``, ``cards``:
    each ``card_no``, ``name``, ``uses``, ``uses_left``, ``expires_at``); ``member``; ``at``.
``countcard_refund``
    ``refunded``: the dict :func:`storeapp.services.countcards.refund` returns (``card_no``,
    ``uses``, ``refund_fen``, ``bonus_fen``, ``method``); ``member``; ``at``.
``giftcard``
    ``sold``: the dict :func:`storeapp.services.giftcards.sell` returns (``cards``: each
    ``card_no``, ``expires_at``, ``qr``; ``face_fen``, ``total_fen``, ``method``,
    ``[buyer_name]``, ``[payer_account]``, shown masked); ``at``.
``z``
    ``at``; ``[business_date]``; ``rows``: ``{label: amount_fen or text}`` in print order;
    ``[sections]``: ``{title: {label: amount_fen or text}}`` after the rows; ``[title]``: the
    heading instead of "Z 报表 Z report" (a mid-shift X report prints through this kind too).
``test``
    ``[printer]``, ``[profile]``, ``[encoding]``: shown as text; every encoding's sample line,
    rulers, a QR code and a barcode follow. ``store_name``, ``till`` and ``cashier`` are optional.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from devices.labels import Label, Words, split
from devices.layout import (
    QR,
    Barcode,
    Block,
    Columns,
    Cut,
    DrawerKick,
    Feed,
    Item,
    Receipt,
    Rule,
    Text,
)
from devices.text import ENCODINGS
from storeapp.clock import STORE_TZ, to_local
from storeapp.identity import mask_name, mask_phone
from storeapp.ids import short_ref
from storeapp.money import format_fen
from storeapp.prepaid_rules import agreement_qr

Payload = Mapping[str, Any]

L = Label
METHODS = {"cash": L("现金", "Cash"), "wallet": L("储值", "Stored value"),
           "card": L("银行卡", "Card"), "wechat": L("微信", "WeChat"),
           "alipay": L("支付宝", "Alipay"), "transfer": L("转账", "Transfer"),
           "giftcard": L("礼品卡", "Gift card"), "account": L("挂账", "On account")}
KINDS = ("sale", "topup", "refund", "void", "close", "registration", "countcard",
         "countcard_use", "countcard_refund", "giftcard", "z", "test")


def build(kind: str, payload: Payload) -> Receipt:
    """The receipt of ``kind`` (one of :data:`KINDS`) for a payload as documented above."""
    builder = _BUILDERS.get(kind)
    if builder is None:
        raise ValueError(f"unknown receipt kind '{kind}': use one of {', '.join(KINDS)}")
    try:
        return Receipt(kind, tuple(builder(payload)))
    except KeyError as missing:
        raise ValueError(f"{kind} receipt payload lacks {missing}") from None


# -- payload helpers for callers -----------------------------------------------------------------

# -- builders ------------------------------------------------------------------------------------

def _sale(p: Payload) -> Iterable[Block]:
    sale = p["sale"]
    tenders = sale.get("tenders", [])
    yield from _drawer(p, any(t["method"] == "cash" for t in tenders))
    yield from _header(p, L("购物小票", "Receipt"))
    yield Columns(L("单号", "No."), sale["receipt_no"])
    yield Columns(L("时间", "Time"), _local(sale["at"]))
    yield Rule()
    for line in sale["lines"]:
        yield Item(line["name"], f"{line['qty']} × {format_fen(line['unit_price_fen'])}",
                   format_fen(line["amount_fen"]))
    yield Rule()
    yield Columns(L("小计", "Subtotal"), format_fen(sale["subtotal_fen"]))
    if sale.get("discount_fen"):
        label = L("员工价", "Staff price") if sale.get("staff_code") else L("会员折扣", "Discount")
        yield Columns(label, format_fen(-sale["discount_fen"]))
    if sale.get("coupon_fen"):
        code = sale.get("coupon_code")
        yield Columns((L("优惠券", "Coupon"), f" {code}") if code else L("优惠券", "Coupon"),
                      format_fen(-sale["coupon_fen"]))
    if sale.get("points_redeemed"):
        yield Columns((L("积分抵扣", "Points"), f" {sale['points_redeemed']:,}"),
                      format_fen(-sale["points_fen"]))
    yield Columns(L("合计", "Total"), format_fen(sale["total_fen"]), bold=True, size=2,
                  short=L("合计", "Total", both=False))
    for t in tenders:
        shown = t.get("tendered_fen") or t["amount_fen"]
        yield Columns(_method(t["method"]), format_fen(shown))
        if t.get("change_fen"):
            yield Columns(L("找零", "Change"), format_fen(t["change_fen"]), bold=True)
        if t["method"] == "giftcard" and t.get("ref"):
            yield Columns(("  ", L("卡号", "Card No.")), t["ref"])
            if t.get("balance_fen") is not None:
                yield Columns(("  ", L("卡内余额", "Card balance")), format_fen(t["balance_fen"]))
        if t["method"] == "account" and t.get("ref"):
            yield Columns(("  ", L("企业", "Company")), t["ref"])
    member = p.get("member")
    if member and sale.get("points_earned"):
        yield Columns(L("本次积分", "Points earned"), f"+{sale['points_earned']:,}")
    if member:
        yield Rule()
        yield from _member(member, sale.get("member_after"))
        yield from _tier_progress(sale, p.get("tier_names") or {})
        yield from _plan_value(p.get("plan_value"))
        for said in p.get("prompts") or ():  # head office's campaign line, as written
            yield Text(str(said), align="center", bold=True)
        if member.get("qr"):
            yield Feed()
            yield QR(member["qr"], size=6)
            yield Text(L("下次到店出示此码", "Show this code next visit"), align="center")
        yield from _self_service(p.get("self_service"))
    yield Feed()
    yield Barcode(sale["receipt_no"])
    yield from _footer(L("谢谢惠顾", "Thank you!"))


def _topup(p: Payload) -> Iterable[Block]:
    t = p["topup"]
    yield from _drawer(p, t["method"] == "cash")
    yield from _header(p, L("充值凭证", "Top-up"))
    yield Columns(L("时间", "Time"), _local(p["at"]))
    yield Columns(L("单号", "Ref"), short_ref(t["topup_key"]))
    yield Rule()
    yield from _member(p["member"], None)
    yield Rule()
    yield Columns(L("充值", "Top-up"), format_fen(t["principal_fen"]), bold=True, size=2,
                  short=L("充值", "Top-up", both=False))
    if t.get("bonus_fen"):
        yield Columns(L("赠送", "Bonus"), format_fen(t["bonus_fen"]))
    yield Columns(L("支付", "Paid by"), _method(t["method"]))
    if t.get("company"):
        yield Columns(L("付款方", "Payer"), L("单位", "Company"))
    if t.get("payer_account_masked"):
        yield Columns(L("付款账号", "Payer account"), str(t["payer_account_masked"]))
    for code in t.get("coupons") or []:
        yield Columns(L("赠券", "Coupon"), code)
    yield Rule()
    yield from _balance(t["balance_fen"], t["balance_principal_fen"], t["balance_bonus_fen"])
    yield from _agreement(t.get("agreement_version"), t.get("agreement_sha256"))
    yield from _footer(L("谢谢", "Thank you!"))


def _agreement(version: str | None, sha256: str | None) -> Iterable[Block]:
    """The prepaid agreement (预付卡协议) the member accepted by topping up: its version and the
    start of its text's SHA-256, and a QR of both, to check against the published text."""
    if not version or not sha256:
        return  # a slip of a top-up made before the agreement was recorded
    yield Rule()
    yield Columns(L("预付卡协议", "Agreement"), f"v{version}")
    yield Columns(L("协议摘要", "SHA-256"), sha256[:12])
    yield QR(agreement_qr(version, sha256), size=4)
    yield Text(L("充值即同意此版本协议", "Topping up accepts this version", sep="\n"),
               align="center")


def _refund(p: Payload) -> Iterable[Block]:
    r = p["refund"]
    yield from _drawer(p, any(t["method"] == "cash" for t in r.get("tenders", [])))
    yield from _header(p, L("退款凭证", "Refund"))
    yield Columns(L("原单号", "Receipt"), r["receipt_no"])
    yield Columns(L("时间", "Time"), _local(r["at"]))
    yield Rule()
    yield Columns(L("退款", "Refund"), format_fen(r["amount_fen"]), bold=True, size=2,
                  short=L("退款", "Refund", both=False))
    for t in r.get("tenders", []):
        method = _method(t["method"])
        back: Words = (L(f"退回 {method.zh}", method.en) if isinstance(method, Label)
                       else (L("退回", "To"), f" {method}"))
        yield Columns(back, format_fen(t["amount_fen"]))
    if r.get("points_clawed_back"):
        yield Columns(L("扣回积分", "Points taken back"), f"-{r['points_clawed_back']:,}")
    if r.get("points_clawback_shortfall"):
        yield Columns(L("积分不足", "Points short"), f"{r['points_clawback_shortfall']:,}")
    if r.get("points_returned"):
        yield Columns(L("退还积分", "Points returned"), f"+{r['points_returned']:,}")
    if r.get("coupon_restored"):
        yield Text(L("优惠券已退回", "Coupon given back"))
    if p.get("member"):
        yield Rule()
        yield from _member(p["member"], r.get("member_after"))
    yield Feed()
    yield Barcode(r["receipt_no"])
    yield from _signature()
    yield from _footer(None)


def _void(p: Payload) -> Iterable[Block]:
    v = p["void"]
    yield from _drawer(p, v["method"] == "cash")
    yield from _header(p, L("充值撤销", "Top-up void"))
    yield Columns(L("时间", "Time"), _local(p["at"]))
    yield Columns(L("原充值", "Top-up"), short_ref(v["topup_key"]))
    yield from _paid_back(v["refund_fen"], v.get("bonus_removed_fen", 0), v["method"])
    member = p["member"]
    yield Rule()
    yield from _member(member, None)
    if "balance_fen" in member:
        yield from _balance(member["balance_fen"], member.get("principal_fen"),
                            member.get("bonus_fen"))
    yield from _signature()
    yield from _footer(None)


def _close(p: Payload) -> Iterable[Block]:
    """退卡: the principal paid back, the bonus forfeited, the member's signature."""
    c = p["close"]
    yield from _drawer(p, c["method"] == "cash")
    yield from _header(p, L("退卡", "Account closed"))
    yield Columns(L("时间", "Time"), _local(p["at"]))
    yield from _refund_worked_out(c)
    yield from _paid_back(c["refund_fen"], c.get("forfeited_bonus_fen", 0), c["method"])
    yield Rule()
    yield from _member(p["member"], None)
    yield from _signature()
    yield from _footer(None)


def _refund_worked_out(c: Payload) -> Iterable[Block]:
    """How an account close's refund comes out (storeapp.prepaid_rules.close_calculation), in
    figures the member can check against their slips: principal paid in, what was consumed
    (each spend took principal and bonus in proportion to the balance), other movements, and
    the subtraction that gives the refund and the bonus that is not refunded."""
    if "paid_in_fen" not in c:
        return  # a slip of a close made before the calculation was printed
    paid_in, given = c["paid_in_fen"], c.get("bonus_given_fen", 0)
    used_p, used_b = c.get("consumed_principal_fen", 0), c.get("consumed_bonus_fen", 0)
    other_p, other_b = c.get("other_principal_fen", 0), c.get("other_bonus_fen", 0)
    yield Rule()
    yield Text(L("退款计算", "Refund worked out"), bold=True)
    yield Columns(L("本金充值", "Paid in"), format_fen(paid_in))
    yield Columns(L("赠送合计", "Bonus given"), format_fen(given))
    yield Columns(L("已消费", "Consumed"), format_fen(used_p + used_b))
    yield Columns(("  ", L("本金部分", "Principal")), format_fen(used_p))
    yield Columns(("  ", L("赠送部分", "Bonus")), format_fen(used_b))
    yield Text(L("消费按本金与赠送余额的比例扣减", "Each spend took principal and bonus in "
                 "proportion to the balance", sep="\n"))
    if other_p or other_b:
        yield Columns(L("其他变动", "Other"), format_fen(other_p + other_b))
    zh_other = " + 其他变动" if other_p else ""
    en_other = " + other" if other_p else ""
    yield Text(L(f"退还本金 = 本金充值 - 本金部分{zh_other}",
                 f"Refund = paid in - principal{en_other}", sep="\n"))
    yield Text(_sum(paid_in, used_p, other_p, c["refund_fen"]), align="right")
    zh_other = " + 其他变动" if other_b else ""
    en_other = " + other" if other_b else ""
    yield Text(L(f"不退赠送 = 赠送合计 - 赠送部分{zh_other}",
                 f"Forfeited = bonus given - bonus{en_other}", sep="\n"))
    yield Text(_sum(given, used_b, other_b, c.get("forfeited_bonus_fen", 0)), align="right")


def _sum(first: int, less: int, other: int, result: int) -> str:
    """``¥1,000.00 - ¥400.00 = ¥600.00``: a subtraction written out, "other" added (or taken
    away) when there is any."""
    more = f" {'-' if other < 0 else '+'} {format_fen(abs(other))}" if other else ""
    return f"{format_fen(first)} - {format_fen(less)}{more} = {format_fen(result)}"


def _paid_back(refund_fen: int, bonus_fen: int, method: str) -> Iterable[Block]:
    """What a void or an account close hands back: the refund, the bonus taken back, how."""
    yield Rule()
    yield Columns(L("退款", "Refund"), format_fen(refund_fen), bold=True, size=2,
                  short=L("退款", "Refund", both=False))
    if bonus_fen:
        yield Columns(L("扣回赠送", "Bonus removed"), format_fen(bonus_fen))
    yield Columns(L("退款方式", "Paid by"), _method(method))


def _registration(p: Payload) -> Iterable[Block]:
    member = p["member"]
    yield from _header(p, L("会员卡", "Member card"), L("欢迎入会", "Welcome!"))
    yield Columns(L("时间", "Time"), _local(p["at"]))
    yield Rule()
    yield from _member(member, None)
    yield Columns(L("卡号", "Card No."), member["card_no"])
    # the code a friend registers with (their QR below names this member too)
    yield Columns(L("推荐码", "Referral"), member.get("referral_code") or member["card_no"])
    yield Feed()
    yield QR(member["qr"], size=8)
    yield Text(L("到店出示此码识别会员", "Show this code at the counter", sep="\n"),
               align="center")
    yield from _self_service(p.get("self_service"))
    yield from _footer(L("请妥善保存", "Please keep this slip"))


def _countcard(p: Payload) -> Iterable[Block]:
    """次卡开卡: the card sold, its uses and expiry, what was paid how, and its QR (scanned at
    the next visit to use it)."""
    sold = p["sold"]
    card = sold["card"]
    yield from _drawer(p, sold["method"] == "cash")
    yield from _header(p, L("次卡开卡", "Count card sold"))
    yield Columns(L("时间", "Time"), _local(p["at"]))
    yield Rule()
    yield from _member(p["member"], None)
    yield Rule()
    yield Columns(L("次卡", "Card"), card["name"])
    yield Columns(L("卡号", "Card No."), card["card_no"])
    yield Columns(L("次数", "Uses"), str(card["uses_total"]))
    yield from _uses_left(card["uses_left"], card["expires_at"])
    yield Rule()
    yield Columns(L("实付", "Paid"), format_fen(card["paid_fen"]), bold=True)
    yield Columns(L("支付", "Paid by"), _method(sold["method"]))
    if sold["method"] == "wallet":
        yield Columns(("  ", L("本金", "Principal")), format_fen(sold.get("principal_fen", 0)))
        yield Columns(("  ", L("赠送", "Bonus")), format_fen(sold.get("bonus_fen", 0)))
        if "balance_fen" in p["member"]:
            yield from _balance(p["member"]["balance_fen"], None, None)
    if card.get("qr"):
        yield Feed()
        yield QR(card["qr"], size=6)
        yield Text(L("下次到店出示此码", "Show this code next visit"), align="center")
    yield from _footer(L("谢谢", "Thank you!"))


def _countcard_use(p: Payload) -> Iterable[Block]:
    """次卡使用: each card a use came off, the uses taken now and, large, the uses left."""
    used = p["used"]
    yield from _header(p, L("次卡使用", "Count card used"))
    yield Columns(L("时间", "Time"), _local(p["at"]))
    yield Rule()
    yield from _member(p["member"], None)
    for card in used["cards"]:
        yield Rule()
        yield Columns(L("次卡", "Card"), card["name"])
        yield Columns(L("卡号", "Card No."), card["card_no"])
        yield Columns(L("本次使用", "Used now"), str(card["uses"]), bold=True)
        yield from _uses_left(card["uses_left"], card["expires_at"])
    yield from _signature()
    yield from _footer(L("谢谢惠顾", "Thank you!"))


def _countcard_refund(p: Payload) -> Iterable[Block]:
    """次卡退卡: the unused uses given up, what goes back how (to the balance: its bonus part
    back to bonus), the member's signature."""
    r = p["refunded"]
    yield from _drawer(p, r["method"] == "cash")
    yield from _header(p, L("次卡退卡", "Count card refund"))
    yield Columns(L("时间", "Time"), _local(p["at"]))
    if r.get("name"):
        yield Columns(L("次卡", "Card"), r["name"])
    yield Columns(L("卡号", "Card No."), r["card_no"])
    yield Columns(L("退回次数", "Uses refunded"), str(r["uses"]))
    yield Rule()
    yield Columns(L("退款", "Refund"), format_fen(r["refund_fen"]), bold=True, size=2,
                  short=L("退款", "Refund", both=False))
    if r.get("bonus_fen"):
        yield Columns(("  ", L("其中赠送", "incl. bonus")), format_fen(r["bonus_fen"]))
    yield Columns(L("退款方式", "Paid by"), _method(r["method"]))
    member = p["member"]
    yield Rule()
    yield from _member(member, None)
    if r["method"] == "wallet" and "balance_fen" in member:
        yield from _balance(member["balance_fen"], member.get("principal_fen"),
                            member.get("bonus_fen"))
    yield from _signature()
    yield from _footer(None)


def _giftcard(p: Payload) -> Iterable[Block]:
    """礼品卡售卡凭证: the cards sold, each with its number, face value, expiry and QR (spent by
    scanning it at any store), what was paid how, and the buyer where the law asks."""
    sold = p["sold"]
    yield from _drawer(p, sold["method"] == "cash")
    yield from _header(p, L("礼品卡售卡凭证", "Gift cards sold"))
    yield Columns(L("时间", "Time"), _local(p["at"]))
    yield Columns(L("张数", "Cards"), str(len(sold["cards"])))
    yield Columns(L("面值", "Face value"), format_fen(sold["face_fen"]))
    yield Columns(L("合计", "Total"), format_fen(sold["total_fen"]), bold=True, size=2,
                  short=L("合计", "Total", both=False))
    yield Columns(L("支付", "Paid by"), _method(sold["method"]))
    if sold.get("buyer_name"):
        yield Columns(L("购卡人", "Buyer"), mask_name(sold["buyer_name"]))
    if sold.get("payer_account"):
        account = str(sold["payer_account"]).replace(" ", "")
        yield Columns(L("付款账号", "Payer account"), f"****{account[-4:]}")
    for card in sold["cards"]:
        yield Rule()
        yield Columns(L("卡号", "Card No."), card["card_no"])
        yield Columns(L("有效期至", "Valid until"), _local(card["expires_at"])[:10])
        yield QR(card["qr"], size=5)
    yield Rule()
    yield Text(L("不记名卡，遗失不补", "Anonymous card: not replaced if lost"), align="center")
    yield from _footer(L("谢谢", "Thank you!"))


def _self_service(link: Payload | None) -> Iterable[Block]:
    """The member's own page at head office (balances, history, consents, their data), as a
    QR the member scans with a phone, and the day the link stops opening it. Smaller than the
    member QR the counter scans: a phone reads it close up."""
    if not link or not link.get("url"):
        return
    yield Rule()
    yield QR(str(link["url"]), size=4)
    yield Text(L("扫码查看余额、管理隐私", "Scan: your balance and privacy", sep="\n"),
               align="center")
    if link.get("expires_at"):
        yield Text((L("有效期至", "Valid until"), " ", _local(link["expires_at"])[:10]),
                   align="center")


def _uses_left(uses_left: int, expires_at: str) -> Iterable[Block]:
    """A count card's uses left, large (what the member asks about), and its last day."""
    yield Columns(L("可用次数", "Uses left"), str(uses_left), bold=True, size=2,
                  short=L("可用次数", "Uses left", both=False))
    yield Columns(L("有效期至", "Valid until"), _local(expires_at)[:10])


def _z_report(p: Payload) -> Iterable[Block]:
    yield from _header(p, split(p["title"]) if p.get("title") else L("Z 报表", "Z report"))
    if p.get("business_date"):
        yield Columns(L("营业日", "Business day"), str(p["business_date"]))
    yield Columns(L("打印", "Printed"), _local(p["at"]))
    yield Rule("=")
    yield from _rows(p["rows"])
    for title, rows in (p.get("sections") or {}).items():
        yield Rule()
        yield Text(split(title), bold=True)
        yield from _rows(rows)
    yield Rule("=")
    yield from _footer(None)


def _test_page(p: Payload) -> Iterable[Block]:
    yield Text(L("打印测试", ""), align="center", bold=True, size=2)
    yield Text("Printer test", align="center", bold=True)
    for key, label in (("printer", L("打印机", "Printer")), ("profile", L("纸宽", "Profile")),
                       ("encoding", L("编码", "Encoding")), ("store_name", L("门店", "Store"))):
        if p.get(key):
            yield Columns(label, str(p[key]))
    yield Rule()
    yield Rule("1234567890")
    yield Rule(L("一二三四五六七八九十", ""))
    yield Columns(L("左", "Left"), L("右", "Right"))
    yield Rule()
    yield Text(L("选用打印正确的编码", ""))
    yield Text("Use an encoding whose line prints right:")
    for enc in ENCODINGS.values():
        yield Text(f"[{enc.name}]", bold=True)
        yield Text(enc.sample, encoding=enc.name)
    yield Rule()
    yield Text(L("粗体", "Bold"), bold=True)
    yield Text(L("大字", "Large"), size=2)
    yield QR("STOREAPP-PRINTER-TEST", size=6)
    yield Barcode("TEST0123456789")
    yield Cut()


_BUILDERS: dict[str, Callable[[Payload], Iterable[Block]]] = {
    "sale": _sale, "topup": _topup, "refund": _refund, "void": _void, "close": _close,
    "registration": _registration, "countcard": _countcard, "countcard_use": _countcard_use,
    "countcard_refund": _countcard_refund, "giftcard": _giftcard, "z": _z_report,
    "test": _test_page,
}


# -- shared parts --------------------------------------------------------------------------------

def _drawer(p: Payload, cash: bool) -> Iterable[Block]:
    """The drawer kick, first so the drawer opens while the receipt prints."""
    wanted = p.get("open_drawer")
    if wanted if wanted is not None else cash and not p.get("reprint"):
        yield DrawerKick()


def _header(p: Payload, title: Words, greeting: Label | None = None) -> Iterable[Block]:
    yield Text(p["store_name"], align="center", bold=True, size=2)
    yield Text(title, align="center", bold=True)
    if greeting:
        yield Text(greeting, align="center")
    if p.get("reprint"):
        yield Text(("** ", L("重印", "REPRINT"), " **"), align="center", bold=True)
    elif p.get("continued"):  # the printer broke off an earlier print of this one
        yield Text(("** ", L("续打", "CONTINUED"), " **"), align="center", bold=True)
    yield Rule()
    yield Columns((L("收银台", "Till"), f" {p['till']}"),
                  (L("收银员", "Cashier", both=False), f" {p['cashier']}"))


def _member(member: Payload, after: Payload | None) -> Iterable[Block]:
    yield Columns(L("会员", "Member"), mask_name(member["name"]))
    yield Columns(L("手机", "Phone"), mask_phone(member["phone"]))
    if member.get("tier_name"):
        yield Columns(L("等级", "Tier"), L(member["tier_name"], member.get("tier_name_en") or ""))
    if after:
        yield from _balance(after["balance_fen"], after.get("principal_fen"),
                            after.get("bonus_fen"))
        yield Columns(L("积分", "Points"), f"{after['points']:,}")


def _balance(balance_fen: int, principal_fen: int | None,
             bonus_fen: int | None) -> Iterable[Block]:
    yield Columns(L("余额", "Balance"), format_fen(balance_fen), bold=True)
    if principal_fen is not None and bonus_fen is not None:
        yield Columns(("  ", L("本金", "Principal")), format_fen(principal_fen))
        yield Columns(("  ", L("赠送", "Bonus")), format_fen(bonus_fen))


def _tier_progress(sale: Payload, names: Mapping[str, str]) -> Iterable[Block]:
    after = sale.get("member_after") or {}
    upgraded = sale.get("tier_upgraded_to")
    if upgraded:
        yield Text((L("恭喜升级", "Upgraded:"), " ", _tier(names, upgraded)), align="center",
                   bold=True)
    elif after.get("near_next_tier") and after.get("next_tier"):
        tier, more = _tier(names, after["next_tier"]), format_fen(after["to_next_tier_fen"])
        zh, en = (f"{tier.zh} {tier.en}", tier.en) if isinstance(tier, Label) else (tier, tier)
        yield Text(L(f"还差 {more} 升级{zh}", f"{more} more to {en}", both=False),
                   align="center")


def _plan_value(worth: Payload | None) -> Iterable[Block]:
    """What the member's paid plan saved them in the last 12 months, or the plan that would have
    saved more than it costs a year (:func:`storeapp.receipt_jobs.plan_value`). The plan's name
    is data in Chinese: a code-page printer, English only, prints its code."""
    if not worth or worth.get("kind") not in ("saved", "missed"):
        return
    code = worth["plan_code"]
    name, amount = worth.get("plan_name") or code, format_fen(worth["amount_fen"])
    # a line each, so 58 mm paper breaks none of them in an awkward place
    if worth["kind"] == "saved":
        yield Text(L(name, f"Plan {code}", both=False), align="center")
        yield Text(L(f"过去一年已为您节省 {amount}", f"saved you {amount} in the past year",
                     both=False), align="center")
        return
    yield Text(L(f"开通{name}", f"Plan {code}", both=False), align="center")
    yield Text(L(f"过去一年可省 {amount}", f"would have saved you {amount} in the past year",
                 both=False), align="center")
    fee = format_fen(worth["fee_fen"])
    yield Text(L(f"（年费 {fee}）", f"({fee} a year)", both=False), align="center")


def _tier(names: Mapping[str, str], code: str) -> str | Label:
    """A tier's name as :func:`tier_names` gives it (``"金卡 Gold"``), as a label."""
    return split(names.get(code, code))


def _method(method: str) -> Words:
    return METHODS.get(method, method)


def _rows(rows: Mapping[str, Any]) -> Iterable[Block]:
    for label, value in rows.items():
        money = isinstance(value, int) and not isinstance(value, bool)
        shown = format_fen(value) if money else str(value)
        yield Columns(split(label), shown)


def _signature() -> Iterable[Block]:
    yield Feed()
    yield Text(L("顾客签名", "Signature:"))
    yield Feed(2)
    yield Rule("_")


def _footer(text: Label | None) -> Iterable[Block]:
    if text:
        yield Text(text, align="center")
    yield Cut()


def _local(at: str) -> str:
    moment = dt.datetime.fromisoformat(at)
    local = to_local(moment) if moment.tzinfo is None else moment.astimezone(STORE_TZ)
    return local.strftime("%Y-%m-%d %H:%M:%S")
