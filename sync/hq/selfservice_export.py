"""A member's copy of their data (PIPL Art. 45): the same :class:`~sync.hq.selfservice.MemberData`
as JSON, for a machine, and as an A4 PDF in the member's language, for a person. The PDF is a
:class:`storeapp.reports.model.Report` written by the reports' own PDF writer, so it embeds the
same CJK font (hanzi, not boxes) and looks like every other report the chain prints.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from storeapp.clock import to_local
from storeapp.reports.export import write_pdf
from storeapp.reports.model import Column, Fact, Facts, Label, Lang, Report, Table
from sync.hq.catalogue import LEDGER_KINDS, ZH
from sync.hq.selfservice import ConsentLine, MemberData

FORMAT = "storeapp.member_data/1"
PURPOSE_LABELS = {
    "terms": Label("会员条款", "Membership terms"),
    "marketing_sms": Label("短信营销", "Marketing by SMS"),
    "marketing_wechat": Label("微信营销", "Marketing by WeChat"),
    "personalised": Label("个性化推荐", "Personalised offers"),
    "sensitive": Label("敏感个人信息", "Sensitive personal data"),
}
CHANNEL_LABELS = {"counter": Label("门店收银台", "At the counter"),
                  "self_service": Label("自助页面", "Self-service page"),
                  "head_office": Label("总部", "Head office"),
                  "import": Label("原有记录", "Earlier records")}
KIND_LABELS = {"sale": Label("消费", "Purchase"), "refund": Label("退货", "Refund")}
STATUS_LABELS = {"open": Label("待处理", "Open"), "approved": Label("已批准", "Approved"),
                 "done": Label("已完成", "Done"), "declined": Label("已拒绝", "Declined")}
REQUEST_LABELS = {"correction": Label("更正", "Correction"), "erasure": Label("删除", "Erasure")}


def as_json(data: MemberData, now: dt.datetime) -> dict[str, Any]:
    """The whole copy as plain JSON: money in fen, times ISO-8601 in UTC."""
    return {
        "format": FORMAT, "exported_at": _iso(now),
        "member": {"member_id": data.member_id, "card_no": data.card_no, "name": data.name,
                   "phone": data.phone,
                   "birthday": data.birthday.isoformat() if data.birthday else None,
                   "gender": data.gender, "tier": data.tier, "status": data.status,
                   "home_store": data.home_store, "registered_at": _iso(data.created_at),
                   "merged_from": data.merged_from},
        "balances": {"principal_fen": data.principal_fen, "bonus_fen": data.bonus_fen,
                     "balance_fen": data.balance_fen, "points": data.points},
        "count_cards": [{"card_no": c.card_no, "name": c.name, "uses_left": c.uses_left,
                         "uses_total": c.uses_total, "value_fen": c.value_fen,
                         "expires_at": _iso(c.expires_at), "status": c.status}
                        for c in data.cards],
        "visits": [{"at": _iso(v.at), "store_code": v.store_code, "kind": v.kind,
                    "amount_fen": v.amount_fen} for v in data.visits],
        "ledger": [{"at": _iso(r.at), "store_code": r.store_code, "kind": r.kind,
                    "principal_fen": r.principal_fen, "bonus_fen": r.bonus_fen,
                    "points": r.points} for r in data.ledger],
        "consents": {c.purpose: _consent(c) for c in data.consents},
        "consent_history": [{"purpose": c.purpose, **_consent(c)}
                            for c in data.consent_history],
        "privacy_requests": [{"id": r.id, "kind": r.kind, "field": r.field, "text": r.text,
                              "status": r.status, "created_at": _iso(r.created_at),
                              "decided_at": _iso(r.decided_at), "outcome": r.outcome}
                             for r in data.requests],
        "stores": data.stores,
    }


def as_pdf(data: MemberData, now: dt.datetime, lang: Lang) -> bytes:
    """The copy as an A4 PDF in ``lang``: who, balances, count cards, consents, history."""
    report = _report(data, now)
    with tempfile.TemporaryDirectory(prefix="member-data-") as tmp:
        path = write_pdf(report, Path(tmp) / "member.pdf", lang)
        return path.read_bytes()


def _report(data: MemberData, now: dt.datetime) -> Report:
    store = _store(data, data.home_store)
    who = Facts("member", Label("会员", "Member"), [
        Fact("card_no", Label("卡号", "Card No."), data.card_no, "text"),
        Fact("name", Label("姓名", "Name"), data.name, "text"),
        Fact("phone", Label("手机", "Phone"), data.phone, "text"),
        Fact("birthday", Label("生日", "Birthday"),
             data.birthday.isoformat() if data.birthday else "—", "text"),
        Fact("home_store", Label("开卡门店", "Registered at"), store, "text"),
        Fact("registered", Label("开卡时间", "Registered on"), _local(data.created_at), "text"),
        Fact("member_id", Label("会员编号", "Member id"), data.member_id, "text"),
    ])
    money = Facts("balances", Label("余额与积分", "Balance and points"), [
        Fact("balance", Label("储值余额", "Stored value"), data.balance_fen),
        Fact("principal", Label("其中本金", "of which principal"), data.principal_fen),
        Fact("bonus", Label("其中赠送", "of which bonus"), data.bonus_fen),
        Fact("points", Label("积分", "Points"), data.points, "int"),
    ])
    cards = Table("cards", Label("次卡", "Count cards"), [
        Column("card", Label("次卡", "Card")), Column("no", Label("卡号", "Card No.")),
        Column("left", Label("剩余次数", "Uses left"), "int"),
        Column("until", Label("有效期至", "Valid until"))],
        [{"card": c.name, "no": c.card_no, "left": c.uses_left,
          "until": _local(c.expires_at)[:10]} for c in data.cards])
    consent = Table("consents", Label("同意", "Consents"), [
        Column("purpose", Label("用途", "Purpose")), Column("given", Label("状态", "Status")),
        Column("version", Label("告知版本", "Notice version")),
        Column("at", Label("时间", "When")), Column("channel", Label("途径", "Where"))],
        [{"purpose": PURPOSE_LABELS.get(c.purpose, Label(c.purpose, c.purpose)),
          "given": Label("同意", "Given") if c.given else Label("未同意", "Not given"),
          "version": c.version or "—", "at": _local(c.at) if c.at else "—",
          "channel": CHANNEL_LABELS.get(c.channel, Label(c.channel or "—", c.channel or "—"))}
         for c in data.consents])
    visits = Table("visits", Label("各门店消费记录", "Purchases at every store"), [
        Column("at", Label("时间", "When")), Column("store", Label("门店", "Store")),
        Column("kind", Label("类型", "Kind")), Column("amount", Label("金额", "Amount"), "fen")],
        [{"at": _local(v.at), "store": _store(data, v.store_code),
          "kind": KIND_LABELS.get(v.kind, Label(v.kind, v.kind)), "amount": v.amount_fen}
         for v in data.visits])
    ledger = Table("ledger", Label("储值与积分变动", "Stored value and points moved"), [
        Column("at", Label("时间", "When")), Column("store", Label("门店", "Store")),
        Column("kind", Label("业务", "What")),
        Column("principal", Label("本金", "Principal"), "fen"),
        Column("bonus", Label("赠送", "Bonus"), "fen"),
        Column("points", Label("积分", "Points"), "int")],
        [{"at": _local(r.at), "store": _store(data, r.store_code), "kind": _ledger_kind(r.kind),
          "principal": r.principal_fen, "bonus": r.bonus_fen, "points": r.points}
         for r in data.ledger])
    asked = Table("requests", Label("更正与删除申请", "Correction and erasure requests"), [
        Column("at", Label("时间", "When")), Column("kind", Label("类型", "Kind")),
        Column("status", Label("状态", "Status")), Column("text", Label("内容", "Text"))],
        [{"at": _local(r.created_at), "kind": REQUEST_LABELS.get(r.kind, Label(r.kind, r.kind)),
          "status": STATUS_LABELS.get(r.status, Label(r.status, r.status)),
          "text": r.text[:60]} for r in data.requests])
    return Report(kind="member_data", title=Label("我的会员数据", "My member data"),
                  period=f"{_local(data.created_at)[:10]} – {_local(now)[:10]}",
                  generated_at=now, store_code=store,
                  sections=[who, money, cards, consent, visits, ledger, asked])


def _consent(c: ConsentLine) -> dict[str, Any]:
    return {"given": c.given, "version": c.version or None, "at": _iso(c.at),
            "channel": c.channel or None}


def _ledger_kind(kind: str) -> Label:
    english = LEDGER_KINDS.get(kind, kind)
    return Label(ZH.get(english, english), english)


def _store(data: MemberData, code: str) -> str:
    name = data.stores.get(code)
    return f"{code} {name}" if name else code


def _local(at: dt.datetime) -> str:
    return to_local(at).strftime("%Y-%m-%d %H:%M")


def _iso(at: dt.datetime | None) -> str | None:
    return None if at is None else at.replace(tzinfo=dt.UTC).isoformat()
