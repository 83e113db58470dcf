"""The quarterly prepaid-deposit report a chain files (预付卡资金存管季度报告), as a
:class:`storeapp.reports.model.Report`: the same sections give its CSV and its A4 PDF (with the
CJK font the till's reports embed, :mod:`storeapp.reports.export`), in Chinese or English.

Every label is the English the head-office pages use and its Chinese from
:data:`sync.hq.catalogue.ZH`, so the page and the files say the same words.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from storeapp.reports.export import write_csv, write_pdf
from storeapp.reports.model import Column, Fact, Facts, Label, Lang, Report, Table
from sync.hq.catalogue import ZH
from sync.hq.compliance import Compliance
from sync.hq.issuers import CHAIN
from sync.protocol import HQ_STORE

KIND_NAMES = {"size": "Size-qualified", "group": "Group company", "brand": "Brand (franchise)"}
CHAIN_NAME = "The chain itself"


def label(english: str, **params: object) -> Label:
    """The English with its Chinese from the pages' catalogue (a missing one is a bug), with
    ``params`` filled in."""
    return Label(ZH[english].format(**params), english.format(**params))


def build(found: Compliance, generated_at: dt.datetime) -> Report:
    q = found.quarter
    period = f"{q.label} ({q.first_day.isoformat()} – {q.last_day.isoformat()})"
    report = Report(kind="prepaid_compliance",
                    title=label("Quarterly prepaid card deposit report"), period=period,
                    generated_at=generated_at, store_code=HQ_STORE)
    report.sections.append(Facts("summary", label("Summary"), [
        Fact("quarter", label("Quarter"), q.label, "text"),
        Fact("as_of", label("Balances as of the end of"), found.as_of.isoformat(), "text"),
        Fact("balance", label("Prepaid balance"), found.total.total_fen),
        Fact("last_balance", label("Prepaid balance at the end of last quarter"),
             found.last_total.total_fen),
        Fact("required", label("Deposit required"), found.required_fen),
        Fact("deposited", label("Deposit recorded"), found.deposited_fen),
        Fact("shortfall", label("Shortfall"), found.shortfall_fen),
        Fact("alerts", label("Alerts"), len(found.alerts), "int"),
    ]))
    issuer_name = {i.code: i.name or (label(CHAIN_NAME) if i.code == CHAIN else "")
                   for i in found.issuers}
    report.sections.append(Table(
        "balances", label("Prepaid balance by issuer"),
        [Column("code", label("Issuer")), Column("name", label("Name")),
         Column("kind", label("Issuer type")), Column("stores", label("Stores")),
         Column("principal_fen", label("Principal"), "fen"),
         Column("count_fen", label("Count-card value"), "fen"),
         Column("gift_fen", label("Gift-card money"), "fen"),
         Column("total_fen", label("Prepaid balance"), "fen")],
        [{"code": i.code, "name": issuer_name[i.code], "kind": label(KIND_NAMES[i.kind]),
          "stores": " ".join(i.stores), **i.balance.to_json()} for i in found.issuers],
        total={"code": label("Total"), **found.total.to_json()}))
    report.sections.append(Table(
        "deposits", label("Deposit by issuer"),
        [Column("code", label("Issuer")), Column("share", label("Share"), "pct"),
         Column("last_fen", label("Balance last quarter"), "fen"),
         Column("required_fen", label("Deposit required"), "fen"),
         Column("deposited_fen", label("Deposit recorded"), "fen"),
         Column("bank", label("Bank")), Column("on_day", label("Statement date")),
         Column("shortfall_fen", label("Shortfall"), "fen"),
         Column("next_fen", label("Next quarter requires"), "fen")],
        [{"code": i.code, "share": i.share_pct, "last_fen": i.last_balance.total_fen,
          "required_fen": i.required_fen, "deposited_fen": i.deposited_fen,
          "bank": i.deposit.bank if i.deposit else "",
          "on_day": i.deposit.on_day.isoformat() if i.deposit else "",
          "shortfall_fen": i.shortfall_fen, "next_fen": i.next_required_fen}
         for i in found.issuers],
        total={"code": label("Total"), "last_fen": found.last_total.total_fen,
               "required_fen": found.required_fen, "deposited_fen": found.deposited_fen,
               "shortfall_fen": found.shortfall_fen,
               "next_fen": sum(i.next_required_fen for i in found.issuers)}))
    report.sections.append(Table(
        "stores", label("Stores: prepaid balance against revenue"),
        [Column("code", label("Store")), Column("name", label("Name")),
         Column("issuer", label("Issuer")),
         Column("balance_fen", label("Prepaid balance"), "fen"),
         Column("revenue_fen", label("Revenue, last {n} months", n=found.revenue_months), "fen"),
         Column("share", label("Balance / revenue"), "pct"),
         Column("alert", label("Alert"))],
        [{"code": st.code, "name": st.name, "issuer": st.issuer,
          "balance_fen": st.balance.total_fen, "revenue_fen": st.revenue_fen,
          "share": (round(100 * st.balance.total_fen / st.revenue_fen, 1)
                    if st.revenue_fen > 0 else None),
          "alert": label("Over {p} % of revenue", p=found.revenue_share_pct)
          if st.over_revenue else ""}
         for st in found.stores]))
    return report


def csv_bytes(report: Report, lang: Lang) -> bytes:
    return _bytes(report, lang, ".csv")


def pdf_bytes(report: Report, lang: Lang) -> bytes:
    return _bytes(report, lang, ".pdf")


def _bytes(report: Report, lang: Lang, suffix: str) -> bytes:
    """The file's bytes (the writers write files: a temporary one, gone afterwards)."""
    with tempfile.TemporaryDirectory(prefix="hq-compliance-") as tmp:
        path = Path(tmp) / f"report{suffix}"
        (write_csv if suffix == ".csv" else write_pdf)(report, path, lang)
        return path.read_bytes()
