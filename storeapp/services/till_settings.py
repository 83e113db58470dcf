"""Changing settings by hand (the CLI and the settings dialog): validated, audited, and only the
ones this till owns once it belongs to a chain."""

from __future__ import annotations

from collections.abc import Mapping

from storeapp import audit
from storeapp.db import Database
from storeapp.errors import InvalidInput, Refused
from storeapp.settings import BY_NAME, CHAIN, refusal, shown

#: Settings only head-office sync writes (the earlier QR secrets: joining a chain keeps them).
SYNC_OWNED = ("hq_rules_version", "qr_secrets_previous")
#: Settings head office gives a till when it joins: by hand only while it belongs to no chain.
FROM_HEAD_OFFICE = ("qr_secret",)


def change(db: Database, values: Mapping[str, object], *, actor: str) -> dict[str, object]:
    """Store the changed ``values`` in one transaction, each change in the audit log.

    A till linked to head office refuses chain rules (they arrive by sync, and head office
    checks the till's sales and top-ups against its own copy of them)."""
    linked = bool(db.settings.hq_url)
    for name in values:
        declared = BY_NAME.get(name)
        if declared is None:
            raise InvalidInput("bad_setting", f"Unknown setting {name}", variant="unknown",
                               setting=name)
        if name in SYNC_OWNED or (linked and name in FROM_HEAD_OFFICE):
            raise Refused("sync_owned", f"Setting {name} is set by head-office sync, not by "
                          "hand", setting=name)
        if linked and declared.scope == CHAIN:
            raise Refused("chain_rule", f"Setting {name} is a chain rule: head office sets it "
                          f"for every store (storeapp-hq rule set setting {name} VALUE)",
                          setting=name)
    changed: dict[str, object] = {}
    with db.session() as s, s.begin():
        for name, value in values.items():
            if getattr(db.settings, name) == value:
                continue
            try:
                db.set_setting(s, name, value)
            except (KeyError, TypeError, ValueError) as exc:
                raise refusal(name, exc) from None
            audit.append(s, at=db.clock.now(), actor=actor, action="setting_changed",
                         subject=name, detail={"value": shown(name, value)})
            changed[name] = shown(name, getattr(db.settings, name))
    return changed
