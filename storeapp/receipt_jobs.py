"""A receipt is part of the action it prints.

Each action that hands the customer a slip — a sale, a top-up, a refund, a top-up void, a
registration, an account closed, a shift's Z report — writes its print job in its own transaction
(:meth:`storeapp.actions.Ctx.receipt`), so a crash between the commit and the printer can lose
neither: the job is there at the next start, queued, and prints once. Its payload is built here,
from the action's own result and the member as the action left them (the action's time, lines,
tenders, balance and points after, tier progress): the same facts the screen shows, frozen, so a
reprint shows what the original showed. ``devices`` only renders the payload and sends the rows.

Payloads hold masked member fields only (:func:`member_fields`): they are stored in
``print_jobs``. A till with no printer set up (``printer_uri`` empty or ``null:``) writes no jobs.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from storeapp.db import Database

from storeapp.errors import Refused
from storeapp.identity import mask_name, mask_phone
from storeapp.models import PrintJob
from storeapp.results import Record
from storeapp.settings import Settings

Payload = dict[str, Any]

#: Payload key: the receipt kicks the cash drawer open. :func:`add_job` sets it when the caller
#: did not, from :func:`takes_cash`; a reprint always has it False.
OPEN_DRAWER = "open_drawer"
#: Payload key set True on reprints: the receipt says "重印 REPRINT".
REPRINT = "reprint"
#: Payload key set True when part of the job may already be on paper (the printer failed
#: mid-job): printed again whole, the receipt says "续打 CONTINUED".
CONTINUED = "continued"
QUEUED = "queued"
#: ``print_jobs.ref`` prefixes: a sale's ref is its receipt number and a top-up's its key, as
#: the cashier reads them off the receipt; the others are prefixed so a reprint by receipt
#: number finds the sale, not its refund slip.
REF_PREFIX = {"refund": "refund:", "void": "void:", "registration": "card:", "close": "close:"}
NO_PRINTER = ("", "null:")


def printing(settings: Settings) -> bool:
    """Whether this till has a receipt printer set up (else no job is written)."""
    return settings.printer_uri.strip() not in NO_PRINTER


def add_job(session: Session, kind: str, ref: str, payload: Mapping[str, Any], *,
            now: dt.datetime, copy_of: int | None = None) -> int:
    """Add a queued job inside the caller's transaction (so an action and its receipt commit
    together); wake the print queue after the commit. Returns the job id."""
    if not kind or len(kind) > 24:
        raise ValueError(f"print job kind {kind!r} must be 1-24 characters")
    if not ref or len(ref) > 64:
        raise ValueError(f"print job reference {ref!r} must be 1-64 characters")
    data = dict(payload)
    if copy_of is not None:
        data[REPRINT], data[OPEN_DRAWER] = True, False
    elif OPEN_DRAWER not in data:
        data[OPEN_DRAWER] = takes_cash(data)
    try:
        payload_json = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError) as e:
        raise ValueError(f"print job payload must be plain JSON data: {e}") from e
    job = PrintJob(kind=kind, ref=ref, payload_json=payload_json, status=QUEUED, attempts=0,
                   copy_of=copy_of, created_at=now)
    session.add(job)
    session.flush()
    return job.id


def takes_cash(payload: Mapping[str, Any]) -> bool:
    """Whether money went through the cash drawer: a ``"cash"`` tender or ``method``, in the
    payload or in the service result it carries (``sale``, ``topup``, ``refund``, ``void``)."""
    parts = [payload, *(v for v in payload.values() if isinstance(v, Mapping))]
    return any(_cash_in(part) for part in parts)


def _cash_in(part: Mapping[str, Any]) -> bool:
    tenders = part.get("tenders")
    listed = tenders if isinstance(tenders, list) else []
    return part.get("method") == "cash" or any(
        isinstance(t, Mapping) and t.get("method") == "cash" for t in listed)


# -- what a payload holds ------------------------------------------------------------------------

def store_fields(settings: Settings, cashier: str) -> dict[str, Any]:
    """``store_name``, ``till`` and ``cashier`` for any payload."""
    return {"store_name": settings.store_name, "till": settings.till_no, "cashier": cashier}


def member_fields(member: Any) -> dict[str, Any]:
    """What a receipt shows of a member (a :class:`~storeapp.services.members.MemberView` or its
    dict), name and phone already masked so the print queue never stores them in full."""
    m: Mapping[str, Any] = member.to_dict() if hasattr(member, "to_dict") else member
    out = {"name": mask_name(m["name"]), "phone": mask_phone(m["phone"])}
    for key in ("card_no", "qr", "tier_name", "tier_name_en", "balance_fen", "principal_fen",
                "bonus_fen", "points", "referral_code"):
        if m.get(key) is not None:
            out[key] = m[key]
    return out


def self_service(settings: Settings, member_id: str, now: dt.datetime) -> dict[str, Any]:
    """``self_service`` of a member's sale receipt or registration slip: the signed link to the
    member's page at head office (``url``, printed as a QR) and when it stops opening
    (``expires_at``, naive UTC), made from the chain's secret (:mod:`storeapp.selfservice_link`).
    Empty on a till with no head office (``hq_url``): there is no page to send the member to."""
    from storeapp.selfservice_link import LINK_DAYS, link_url

    if not settings.hq_url or not settings.qr_secret:
        return {}
    url = link_url(settings.hq_url, member_id, now, settings.qr_secret, LINK_DAYS)
    expires = now + dt.timedelta(days=LINK_DAYS)
    return {"self_service": {"url": url, "expires_at": expires.isoformat()}}


def tier_names(settings: Settings) -> dict[str, str]:
    """``{tier code: "金卡 Gold"}`` for the tier-progress line."""
    from storeapp.services import tiers

    return {t.code: f"{t.name} {t.name_en}" for t in tiers.table(settings)}


def plan_value(session: Session, settings: Settings, member_id: str,
               now: dt.datetime) -> dict[str, Any] | None:
    """``plan_value`` of a member's sale receipt: what their plan saved them in the last 12
    months, or the plan that would have saved more than it costs
    (:mod:`storeapp.services.plan_value`), read in the sale's transaction so the sale counts.
    None when there is nothing to say, or no printer: it runs in every member checkout."""
    from storeapp.pricing import PricingRules
    from storeapp.services import plan_value as worth

    if not printing(settings):
        return None
    shown = worth.value_in(session, member_id, now, PricingRules.of(settings))
    return shown.to_json() if shown.kind else None


def job_ref(kind: str, payload: Mapping[str, Any]) -> str:
    """The ``print_jobs.ref`` of a payload made here: what a reprint looks it up by."""
    key = {"sale": ("sale", "receipt_no"), "topup": ("topup", "topup_key"),
           "refund": ("refund", "receipt_no"), "void": ("void", "topup_key"),
           "registration": ("member", "card_no"), "close": ("member", "card_no")}.get(kind)
    if key is None:
        return kind
    return REF_PREFIX.get(kind, "") + str(payload[key[0]][key[1]])


def result_part(result: Record | Mapping[str, Any]) -> dict[str, Any]:
    """An action's result as a payload part: its JSON form (or the JSON the CLI printed),
    without a full ``member`` some callers attach, which must not be stored unmasked."""
    plain = result.to_json() if isinstance(result, Record) else result
    data = {k: v for k, v in plain.items() if k != "member"}
    return dict(json.loads(json.dumps(data, ensure_ascii=False, default=str)))


def stored_sale(db: Database, receipt_no: str, *, cashier: str) -> Payload:
    """A sale receipt from the sale as stored, with the cashier who made it: for a sale whose
    own receipt job is gone (made on a till with no printer then). Only the sale knew the
    member's balance, points and tier progress after it, so those lines are left out rather
    than print today's figures as the sale's."""
    from storeapp.services import members, sales

    sale = sales.get_sale(db, receipt_no)
    cashier = sale.cashier or cashier
    payload: Payload = {**store_fields(db.settings, cashier), "sale": result_part(sale)}
    if sale.member_id:
        payload["member"] = member_fields(members.get(db, sale.member_id))
        payload["tier_names"] = tier_names(db.settings)
    return payload


def member_card(db: Database, member_ref: str, *, cashier: str) -> Payload:
    """A registration slip with the member's QR, for a member id, card number, phone or QR (a
    member card printed again, or for a member registered where there was no printer)."""
    from storeapp.services import members

    member = members.get(db, member_ref)
    if member.status == "closed":
        raise Refused("member_closed", "This membership is closed: no member card to print",
                      variant="card")
    return {**store_fields(db.settings, cashier), "member": member_fields(member),
            "at": member.created_at,
            **self_service(db.settings, member.member_id, db.clock.now())}


def shift_report(db: Database, z_no: int | None) -> dict[str, Any]:
    """The open shift's X report (``z_no`` None), or Z report ``z_no`` as it was frozen."""
    from storeapp.services import shifts

    return dict(shifts.x_report(db) if z_no is None else shifts.z_report(db, z_no))


def shift_ref(report: Mapping[str, Any]) -> str:
    """``z:TT-NNNNN`` as the Z number reads, or ``x:SHIFT`` (a newer X of the same shift
    supersedes an older one still queued)."""
    if report["kind"] == "z":
        return f"z:{report['till_no']:02d}-{report['z_no']:05d}"
    return f"x:{report['shift_id']}"


def shift_payload(settings: Settings, report: Mapping[str, Any], cashier: str) -> Payload:
    """The ``z`` receipt payload of an X report (mid-shift) or a Z report (the close), as
    :mod:`storeapp.services.shifts` returns them."""
    from storeapp.services import shifts

    payload: Payload = {**store_fields(settings, cashier), "at": report["at"],
                        "business_date": report["business_date"],
                        **shifts.receipt_rows(report)}
    if report["kind"] == "x":
        payload["title"] = "X 报表 X report"
    return payload


__all__ = [
    "CONTINUED",
    "OPEN_DRAWER",
    "QUEUED",
    "REPRINT",
    "Payload",
    "add_job",
    "job_ref",
    "member_card",
    "member_fields",
    "plan_value",
    "printing",
    "result_part",
    "self_service",
    "shift_payload",
    "shift_ref",
    "store_fields",
    "stored_sale",
    "takes_cash",
    "tier_names",
]
