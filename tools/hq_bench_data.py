"""The synthetic tills of ``storeapp-hq bench``: one store's outbox written the way
:class:`storeapp.actions.Ctx` writes it — registrations, top-ups, sales with wallet spends
within the balance it tracks and points, profile updates — cut into signed-ready batches that
carry what a joined till's uploads carry: the chain rules version and each member's balance
after, the running hash the batch continues, one audit row per action, and on the last batch the
digest of the store's balances (so head office verifies all of it, as it does for real tills)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from storeapp import pii, pricing
from storeapp.audit import GENESIS as AUDIT_GENESIS
from storeapp.audit import row_hash
from storeapp.continuity import GENESIS, chain_next, event_digest
from storeapp.identity import make_card_no
from storeapp.ids import MemberId
from storeapp.integrity import Own, balance_digest
from storeapp.money import split_in_proportion
from storeapp.pii import ERASED, Personal
from storeapp.pricing import MemberTerms, PricedLine, PricingRules, TenderIn
from storeapp.rules import bonus_for
from storeapp.settings import Settings
from sync.protocol import dumps

TILL_NO = 1
RULES = PricingRules.of(Settings())  # the chain's default rules: 1 point a yuan, 100 = ¥1

# -- the synthetic till ----------------------------------------------------------------------

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰",
         "娟", "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英"]
CATALOG = [("6901234567892", "矿泉水 550ml", 200), ("6902345678901", "酸奶 200g", 650),
           ("6903456789012", "面包 切片", 1290), ("6904567890123", "鸡蛋 10枚", 1580),
           ("6905678901234", "大米 5kg", 4990), ("6906789012345", "食用油 1.8L", 6990),
           ("6907890123456", "洗发水 400ml", 3990), ("6908901234567", "纸巾 10包", 2490),
           ("6909012345678", "牛奶 1L", 1190), ("6900123456789", "巧克力 100g", 1590)]
#: Top-up amounts (fen) with the bonus the chain's default rule gives ("充500送50").
#: Top-ups a customer makes, with the bonus the chain's default rules give them.
TOPUPS = [(fen, bonus_for(Settings(), fen)) for fen in (10000, 20000, 30000, 50000, 100000)]
WALLET_CAP = Settings().wallet_cap_fen
#: Share of each event type after the first registrations (the rest are sales).
P_REGISTER, P_TOPUP, P_PROFILE = 0.12, 0.18, 0.08


@dataclass
class _Member:
    member_id: str
    phone: str
    #: the member's own key, and what the till seals under it (storeapp.pii)
    key: bytes = b""
    personal: Personal = ERASED
    principal: int = 0
    bonus: int = 0
    points: int = 0


class Bodies:
    """A store's request bodies, in order: in memory, or appended to a spool file (a chain's
    night, ten million events, is some 11 GB of bodies: more than memory should hold)."""

    def __init__(self, spool: Path | None = None) -> None:
        self.spool = spool
        self._memory: list[bytes] = []
        self._spans: list[tuple[int, int]] = []

    def append(self, body: bytes) -> None:
        if self.spool is None:
            self._memory.append(body)
            return
        with self.spool.open("ab") as out:
            self._spans.append((out.tell(), len(body)))
            out.write(body)

    def __getitem__(self, i: int) -> bytes:
        if self.spool is None:
            return self._memory[i]
        start, size = self._spans[i]
        with self.spool.open("rb") as spool:
            spool.seek(start)
            return spool.read(size)

    def __len__(self) -> int:
        return len(self._memory) if self.spool is None else len(self._spans)

    def __iter__(self) -> Iterator[bytes]:
        return (self[i] for i in range(len(self)))

    @property
    def nbytes(self) -> int:
        if self.spool is None:
            return sum(len(b) for b in self._memory)
        return sum(size for _start, size in self._spans)


@dataclass
class StorePlan:
    """One store's generated outbox, as request bodies ready to send in order."""

    code: str
    token: str
    store_id: int
    #: head office's public key for members' keys (``GET /store``'s ``member_key_public``)
    hq_member_key: str = ""
    bodies: Bodies = field(default_factory=Bodies)
    last_seqs: list[int] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    principal: int = 0
    bonus: int = 0
    points: int = 0
    ledger_lines: int = 0
    members: int = 0
    types: dict[str, int] = field(default_factory=dict)


class _Till:
    """Writes one store's outbox the way :class:`storeapp.actions.Ctx` would."""

    def __init__(self, plan: StorePlan, index: int, events: int, day_start: dt.datetime) -> None:
        self.plan, self.events, self.day_start = plan, events, day_start
        self.rng = random.Random(860_000 + index)
        self.members: list[_Member] = []
        self.phones = 0
        self.cards = 0
        self.receipts = 0
        self.now = day_start
        #: members whose sealed data the batch being written carries
        self.sealing: set[str] = set()

    def uid(self) -> str:
        """A UUIDv7 at the simulated moment, as a till makes them (storeapp.ids): ids sort by
        time, so the indexes they land in grow at one end, as at a real head office."""
        ms = int(self.now.replace(tzinfo=dt.UTC).timestamp() * 1000) & ((1 << 48) - 1)
        rand = self.rng.getrandbits(74)
        value = (ms << 80) | (0x7 << 76) | ((rand >> 62) << 64) | (0b10 << 62) \
            | (rand & ((1 << 62) - 1))
        return str(uuid.UUID(int=value))

    def phone(self) -> str:
        """Unique within and across stores: 1 3x SSSS NNNN (x counts down every 10,000)."""
        n, self.phones = self.phones, self.phones + 1
        return f"1{39 - n // 10000:02d}{self.plan.code}{n % 10000:04d}"

    def name(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)

    def outbox(self) -> Iterator[tuple[dict[str, Any], list[Any]]]:
        """Wire events ``{"seq", "event_id", "type", "created_at", "payload"}``, seq 1..M, each
        with its action's audit row ``[seq, at, actor, action, subject, detail_json]``."""
        span = 86400.0 / max(self.events, 1)
        for seq in range(1, self.events + 1):
            at = self.day_start + dt.timedelta(seconds=(seq - 1) * span + self.rng.random() * span)
            self.now = at
            event_type, fields = self.next_action()
            actor = f"C{1 + seq % 3:02d}"
            body = {"type": event_type, "store": self.plan.code, "till": TILL_NO,
                    "key": self.uid(), "actor": actor, "at": at.isoformat(), "rules": 0,
                    **fields}
            self.plan.types[event_type] = self.plan.types.get(event_type, 0) + 1
            for line in fields.get("ledger", ()):
                self.plan.principal += line["principal_fen"]
                self.plan.bonus += line["bonus_fen"]
                self.plan.points += line["points"]
                self.plan.ledger_lines += 1
            subject = str(fields.get("receipt_no") or fields.get("member_id") or "")
            detail = json.dumps({"key": body["key"]}, separators=(",", ":"))
            yield ({"seq": seq, "event_id": self.uid(), "type": event_type,
                    "created_at": at.isoformat(),
                    "payload": json.dumps(body, ensure_ascii=False, sort_keys=True, default=str)},
                   [seq, at.isoformat(), actor, event_type, subject, detail])

    def next_action(self) -> tuple[str, dict[str, Any]]:
        roll = self.rng.random()
        if len(self.members) < 5 or roll < P_REGISTER:
            return self.register()
        member = self.rng.choice(self.members)
        if roll < P_REGISTER + P_TOPUP:
            topup = self.topup(member)
            if topup is not None:
                return topup
        elif roll < P_REGISTER + P_TOPUP + P_PROFILE:
            return self.profile(member)
        return self.sale(member if self.rng.random() < 0.8 else None)

    def register(self) -> tuple[str, dict[str, Any]]:
        member = _Member(self.uid(), self.phone(), key=self.rng.randbytes(pii.KEY_BYTES))
        self.members.append(member)
        self.plan.members += 1
        self.cards += 1
        birthday = (dt.date(1960, 1, 1) + dt.timedelta(days=self.rng.randrange(16000))
                    if self.rng.random() < 0.7 else None)
        member.personal = Personal(member.phone, self.name(), birthday)
        return "member_registered", {
            "member_id": member.member_id, "card_no": make_card_no(self.plan.code, TILL_NO,
                                                                   self.cards),
            "personal": self.sealed(member),
            "gender": self.rng.choice(("F", "M", None)),
            "marketing_consent": self.rng.random() < 0.6}

    def sealed(self, member: _Member) -> str:
        """The member's phone, name and birthday as a till sends them: sealed under their key,
        which travels with the batch sealed to head office (:func:`generate`)."""
        self.sealing.add(member.member_id)
        return pii.seal(member.key, member.member_id, member.personal)

    def topup(self, member: _Member) -> tuple[str, dict[str, Any]] | None:
        room = WALLET_CAP - member.principal - member.bonus
        fitting = [t for t in TOPUPS if sum(t) <= room]
        if not fitting:
            return None
        principal, bonus = self.rng.choice(fitting)
        member.principal += principal
        member.bonus += bonus
        return "wallet_topped_up", {
            "member_id": member.member_id, "principal_fen": principal, "bonus_fen": bonus,
            "method": self.rng.choice(("cash", "wechat", "alipay", "card")),
            "ledger": [_line(member, principal, bonus, 0)]}

    def profile(self, member: _Member) -> tuple[str, dict[str, Any]]:
        roll = self.rng.random()
        fields: dict[str, Any]
        if roll < 0.05:
            member.phone = self.phone()
            member.personal = replace(member.personal, phone=member.phone)
            fields = {"phone": None}
        elif roll < 0.5:
            member.personal = replace(member.personal, name=self.name())
            fields = {"name": None}
        elif roll < 0.8:
            day = dt.date(1960, 1, 1) + dt.timedelta(days=self.rng.randrange(16000))
            member.personal = replace(member.personal, birthday=day)
            fields = {"birthday": None}
        else:
            return "member_profile_updated", {
                "member_id": member.member_id, "fields": {"gender": self.rng.choice(("F", "M"))}}
        # a personal field is named without its value; the values travel sealed, whole
        return "member_profile_updated", {"member_id": member.member_id, "fields": fields,
                                          "personal": self.sealed(member)}

    def sale(self, member: _Member | None) -> tuple[str, dict[str, Any]]:
        """A sale priced and paid as the till's checkout prices and shares it
        (:mod:`storeapp.pricing`), with the chain's default rules."""
        self.receipts += 1
        cart = []
        for item in self.rng.sample(CATALOG, self.rng.randint(1, 4)):
            qty = self.rng.randint(1, 3)
            cart.append(PricedLine(barcode=item[0], name=item[1], qty=qty,
                                   unit_price_fen=item[2], amount_fen=item[2] * qty))
        subtotal = pricing.subtotal_of(cart)
        redeemed = 0
        if member is not None and member.points >= 500 and self.rng.random() < 0.1:
            redeemed = 100 * self.rng.randint(1, min(5, member.points // 100, subtotal // 200))
        terms = None if member is None else MemberTerms(
            member_id=MemberId(member.member_id), points=member.points, discount_pct=Decimal(0),
            points_multiplier=Decimal(1))
        priced = pricing.price(cart, terms, None, redeemed, RULES)
        total, paying = priced.total_fen, []
        balance = member.principal + member.bonus if member else 0
        if member is not None and balance > 0 and self.rng.random() < 0.6:
            paying.append(TenderIn("wallet", min(total, balance)))
        rest = total - sum(t.amount_fen or 0 for t in paying)
        if rest:
            method = self.rng.choice(("cash", "wechat", "alipay"))
            paying.append(TenderIn(method, -(-rest // 10000) * 10000 if method == "cash"
                                   else None))
        tenders, principal, bonus = [], 0, 0
        for share in pricing.allocate(paying, total):
            p = b = 0
            if share.method == "wallet" and member is not None:
                p, b = split_in_proportion(share.amount_fen, member.principal, member.bonus)
                principal, bonus = p, b
            tenders.append({"method": share.method, "amount_fen": share.amount_fen,
                            "tendered_fen": share.tendered_fen, "change_fen": share.change_fen,
                            "principal_fen": p, "bonus_fen": b})
        earned = priced.points_to_earn
        fields: dict[str, Any] = {
            "receipt_no": f"R{self.plan.code}{TILL_NO:02d}{self.receipts:07d}",
            "member_id": member.member_id if member else None, "subtotal_fen": subtotal,
            "discount_fen": priced.discount_fen, "coupon_code": None, "coupon_fen": 0,
            "points_redeemed": redeemed, "points_fen": priced.points_fen, "total_fen": total,
            "tenders": tenders, "change_fen": sum(t["change_fen"] for t in tenders),
            "lines": [line.to_json() for line in cart], "points_earned": earned,
            "tier_upgraded_to": None, "price_overrides": []}
        if member is not None and (principal or bonus or earned - redeemed):
            member.principal -= principal
            member.bonus -= bonus
            member.points += earned - redeemed
            fields["ledger"] = [_line(member, -principal, -bonus, earned - redeemed)]
        return "sale_completed", fields


def _line(member: _Member, principal: int, bonus: int, points: int) -> dict[str, Any]:
    """The member's net movement, with the balance it leaves (the member is already moved)."""
    return {"member_id": member.member_id, "principal_fen": principal, "bonus_fen": bonus,
            "points": points, "after": [member.principal, member.bonus, member.points]}


def generate(plan: StorePlan, index: int, events: int, batch: int,
             day_start: dt.datetime) -> None:
    """Fill ``plan`` with its store's outbox as signed-ready request bodies of ``batch``."""
    till = _Till(plan, index, events, day_start)
    chunk: list[dict[str, Any]] = []
    audit: list[list[Any]] = []
    chain, acked_chain, audit_hash = GENESIS, GENESIS, AUDIT_GENESIS
    acked_seq = 0

    def flush(last: bool) -> None:
        nonlocal acked_chain, acked_seq, audit_hash
        body: dict[str, Any] = {
            "batch_id": till.uid(), "till_no": TILL_NO, "events": chunk,
            "continuity": {"seq": acked_seq, "chain": acked_chain},
            "audit": {"from": [acked_seq, audit_hash], "rows": audit}}
        if till.sealing:
            public = base64.urlsafe_b64decode(plan.hq_member_key)
            keys = {x.member_id: x.key for x in till.members if x.member_id in till.sealing}
            sealer = pii.KeySealer(public)
            body["member_keys"] = {i: sealer.seal(i, keys[i]) for i in sorted(keys)}
            body["member_keys_from"] = sealer.sender
            till.sealing.clear()
        if last:
            body["check"] = {"upto": chunk[-1]["seq"], "digest": balance_digest(
                Own(x.member_id, x.principal, x.bonus, x.points) for x in till.members)}
        plan.bodies.append(dumps(body))
        plan.last_seqs.append(chunk[-1]["seq"])
        plan.sizes.append(len(chunk))
        for row in audit:
            audit_hash = row_hash(row[0], dt.datetime.fromisoformat(row[1]), row[2], row[3],
                                  row[4], row[5], audit_hash)
        acked_seq, acked_chain = chunk[-1]["seq"], chain

    for event, audit_row in till.outbox():
        chunk.append(event)
        audit.append(audit_row)
        chain = chain_next(chain, event_digest(event["seq"], event["event_id"], event["type"],
                                               event["payload"]))
        if len(chunk) == batch and event["seq"] < events:
            flush(last=False)
            chunk, audit = [], []
    if chunk:
        flush(last=True)
