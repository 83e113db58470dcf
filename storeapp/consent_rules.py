"""Consents as pure rules (PIPL 个人信息保护法): the purposes a member consents to, who may
record them where, the notice a consent was given under, and what a member's ledger of
consents says now.

A consent is an append-only entry: given or withdrawn, under a notice (its version and the
SHA-256 of its text). What holds now is each purpose's latest entry. Marketing needs a given
``marketing_sms`` or ``marketing_wechat``; personalised offers are an opt-out (Art. 24): they
hold until ``personalised`` is withdrawn; ``sensitive`` data (Art. 28-29) needs its own given
consent. The same functions decide at the till and at head office.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from storeapp.errors import InvalidInput

PURPOSES = ("terms", "marketing_sms", "marketing_wechat", "personalised", "sensitive")
MARKETING = ("marketing_sms", "marketing_wechat")
#: Purposes that hold until withdrawn (an opt-out), not until given.
OPT_OUT = frozenset({"personalised"})
CHANNELS = ("counter", "self_service", "head_office", "import")
#: What a till records through: its counter (or CLI), or paper records typed in.
TILL_CHANNELS = ("counter", "import")
#: What head office records through: the member's self-service page, its own staff, imports.
HQ_CHANNELS = ("self_service", "head_office", "import")
#: Who recorded a consent the member gave themselves (the self-service page).
MEMBER = "member"
#: The notice a till shows until head office has sent it one (the text shipped with the app).
BUILTIN_VERSION = "builtin-1"
#: The entries made from the old yes/no marketing flag when the ledger began (no text known).
LEGACY_VERSION = "legacy"
MAX_VERSION = 24
MAX_NOTICE_CHARS = 20_000

BUILTIN_TEXTS: dict[str, str] = {
    "terms": "会员服务协议：为办理和使用会员卡，本店收集并使用您的手机号、姓名及消费记录，"
             "用于识别会员、记录储值、积分与消费。您可随时查阅、更正、导出或申请删除您的信息。",
    "marketing_sms": "短信营销：同意本店通过短信向您发送优惠、活动通知。您可随时在门店或"
                     "会员自助页面撤回同意，撤回不影响会员权益。",
    "marketing_wechat": "微信营销：同意本店通过微信向您推送优惠、活动通知。您可随时在门店或"
                        "会员自助页面撤回同意，撤回不影响会员权益。",
    "personalised": "个性化推荐：本店会根据您的消费记录向您推荐个性化优惠（《个人信息保护法》"
                    "第二十四条）。您可随时拒绝，拒绝后只收到不针对个人特征的优惠。",
    "sensitive": "敏感个人信息单独同意：涉及金融账户等敏感个人信息（如企业转账付款账户）时，"
                 "本店仅在您单独同意后处理，并仅用于该笔业务（《个人信息保护法》第二十八、"
                 "二十九条）。",
}


def text_sha256(text: str) -> str:
    """The hash a consent records of the notice it was given under (its UTF-8 text)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


BUILTIN_SHA256 = {purpose: text_sha256(text) for purpose, text in BUILTIN_TEXTS.items()}


@dataclass(frozen=True)
class Notice:
    """A notice text in force for a purpose: head office's published version, or the
    built-in one."""

    purpose: str
    version: str
    text: str
    sha256: str
    published_at: dt.datetime | None = None


def builtin(purpose: str) -> Notice:
    return Notice(purpose, BUILTIN_VERSION, BUILTIN_TEXTS[purpose], BUILTIN_SHA256[purpose])


@dataclass(frozen=True)
class Entry:
    """One consent entry, as both ends keep it (``order`` breaks ties of ``at``: the row's
    place in its ledger)."""

    purpose: str
    given: bool
    version: str
    at: dt.datetime
    channel: str
    order: int = 0


def check_purpose(purpose: str) -> str:
    if purpose not in PURPOSES:
        raise InvalidInput("unknown_purpose", f"No consent purpose '{purpose}': one of "
                           f"{', '.join(PURPOSES)}", purpose=str(purpose)[:24],
                           allowed=", ".join(PURPOSES))
    return purpose


def check_channel(channel: str, allowed: tuple[str, ...] = TILL_CHANNELS) -> str:
    if channel not in allowed:
        raise InvalidInput("bad_channel", f"Consents are recorded here through "
                           f"{', '.join(allowed)}, not '{channel}'", channel=str(channel)[:16],
                           allowed=", ".join(allowed))
    return channel


def latest(entries: Iterable[Entry]) -> dict[str, Entry]:
    """Each purpose's entry that holds now: the latest by time (then by ledger order), so a
    choice made later wins wherever it was made."""
    found: dict[str, Entry] = {}
    for entry in entries:
        held = found.get(entry.purpose)
        if held is None or (entry.at, entry.order) >= (held.at, held.order):
            found[entry.purpose] = entry
    return found


def in_force(purpose: str, entry: Entry | None) -> bool:
    """Whether the purpose may be acted on: an opt-out purpose unless withdrawn, any other
    only once given."""
    if entry is None:
        return purpose in OPT_OUT
    return entry.given


def may_market(current: dict[str, Entry]) -> bool:
    """Marketing contact needs SMS or WeChat marketing given (what ``marketing_consent``, the
    members' cached flag, says)."""
    return any(in_force(p, current.get(p)) for p in MARKETING)


def may_personalise(current: dict[str, Entry]) -> bool:
    """Offers chosen by the member's profile (a segment, their purchase cycle) unless the
    member withdrew ``personalised``."""
    return in_force("personalised", current.get("personalised"))
