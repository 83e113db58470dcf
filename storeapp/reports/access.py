"""Who saw what: exports and full phone numbers are written to the audit log.

The app lets only managers do either (its role check); the CLI acts with the rights of whoever
can open the database file. Both record the same audit rows through here.
"""

from __future__ import annotations

from pathlib import Path

from storeapp.actions import Ctx, run_action
from storeapp.db import Database
from storeapp.ids import new_action_key
from storeapp.reports.model import Report, Table
from storeapp.results import Done


def record_export(db: Database, report: Report, fmt: str, path: Path, *, actor: str) -> None:
    """Audit that ``actor`` wrote ``report`` to ``path`` as ``fmt`` (csv|pdf)."""

    def body(ctx: Ctx) -> Done:
        ctx.audit("report_exported", report.kind, format=fmt, path=str(path),
                  period=report.period)
        return Done()

    run_action(db, key=new_action_key(), kind="report_export", actor=actor,
               request={"report": report.kind, "format": fmt, "path": str(path)}, body=body,
               returns=Done)


def record_phones_shown(db: Database, report: Report, *, actor: str) -> None:
    """Audit that ``actor`` saw full phone numbers in ``report`` (how many members)."""
    shown = sum(len(s.rows) for s in report.sections
                if isinstance(s, Table) and any(c.key == "phone" for c in s.columns))

    def body(ctx: Ctx) -> Done:
        ctx.audit("phones_revealed", report.kind, members=shown, period=report.period)
        return Done()

    run_action(db, key=new_action_key(), kind="phones_revealed", actor=actor,
               request={"report": report.kind, "members": shown}, body=body, returns=Done)
