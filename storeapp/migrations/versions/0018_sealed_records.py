"""sealed records: a transfer's payer account (topups), a gift-card buyer's name and payer account
(gift_sales) and a company's contact name and phone (companies) are sealed under the till's
records key (in its key store, outside this file), each bound to its row and field
(storeapp.sealed_records); the columns become TEXT. The answers stored with those actions' keys
(actions.result_json) lose the plain values: the services read them back from the sealed rows.
storeapp.migrate then vacuums the file so no plain copy survives in its free pages.

Events already in the outbox keep what they said: the outbox is append-only and chained
(storeapp.continuity), and head office holds those events already.

Revision ID: 0018
Revises: 0017
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

#: table: (its identity column, {sealed field: its length before}) — as in storeapp.models
SEALED = {
    "topups": ("key", {"payer_account": 32}),
    "gift_sales": ("action_key", {"buyer_name": 64, "payer_account": 64}),
    "companies": ("code", {"contact_name": 32, "contact_phone": 20}),
}
#: the actions whose stored answer named them: the services' own kinds, and a restore's (which
#: stores the event as the answer, under the event's type)
ANSWERS = {"giftcard_sell": ("gift_sales", ("buyer_name", "payer_account")),
           "giftcards_sold": ("gift_sales", ("buyer_name", "payer_account")),
           "company_add": ("companies", ("contact_name", "contact_phone")),
           "company_added": ("companies", ("contact_name", "contact_phone")),
           "wallet_topped_up": ("topups", ("payer_account",))}


def _records_key(bind: sa.Connection) -> bytes:
    from storeapp.migrate import key_store_of
    from storeapp.sealed_records import records_key

    return records_key(key_store_of(bind))


def _rows(bind: sa.Connection, table: str) -> list[sa.Row[tuple[str, ...]]]:
    identity, fields = SEALED[table]
    columns = ", ".join(fields)
    return list(bind.execute(sa.text(f"SELECT {identity}, {columns} FROM {table}")).all())


def upgrade() -> None:
    from storeapp.sealed_records import aad, is_sealed, seal_record

    bind = op.get_bind()
    for table, (_identity, fields) in SEALED.items():
        with op.batch_alter_table(table) as batch:
            for field, length in fields.items():
                batch.alter_column(field, type_=sa.Text(), existing_type=sa.String(length))
    key: bytes | None = None
    for table, (identity, fields) in SEALED.items():
        for row in _rows(bind, table):
            row_id = row[0]
            values: dict[str, str | None] = dict(zip(fields, row[1:], strict=True))
            changed = {f: v for f, v in values.items() if v is not None and not is_sealed(v)}
            if not changed:
                continue
            key = key or _records_key(bind)
            sets = ", ".join(f"{f} = :{f}" for f in changed)
            bind.execute(sa.text(f"UPDATE {table} SET {sets} WHERE {identity} = :row_id"),
                         {**{f: seal_record(key, aad(table, str(row_id), f), v)
                             for f, v in changed.items()}, "row_id": row_id})
    for kind, (_table, named) in ANSWERS.items():
        for action_key, stored in bind.execute(sa.text(
                "SELECT key, result_json FROM actions WHERE kind = :kind"), {"kind": kind}).all():
            answer = json.loads(stored)
            if any(answer.get(f) is not None for f in named):
                answer.update({f: None for f in named if f in answer})
                bind.execute(sa.text("UPDATE actions SET result_json = :r WHERE key = :k"),
                             {"r": json.dumps(answer, ensure_ascii=False), "k": action_key})


def downgrade() -> None:
    """Plain values again, opened with the till's records key (one it cannot open is left
    empty), and the answers of the till's own sales and companies given them back."""
    from storeapp.sealed_records import Unreadable, aad, is_sealed, open_record

    bind = op.get_bind()
    key: bytes | None = None
    opened: dict[tuple[str, str], dict[str, str | None]] = {}
    for table, (identity, fields) in SEALED.items():
        for row in _rows(bind, table):
            row_id = str(row[0])
            values: dict[str, str | None] = dict(zip(fields, row[1:], strict=True))
            plain: dict[str, str | None] = {}
            for field, value in values.items():
                if not is_sealed(value):
                    plain[field] = value
                    continue
                key = key or _records_key(bind)
                try:
                    plain[field] = open_record(key, aad(table, row_id, field), value)
                except Unreadable:
                    plain[field] = None
            opened[table, row_id] = plain
            if plain != values:
                sets = ", ".join(f"{f} = :{f}" for f in plain)
                bind.execute(sa.text(f"UPDATE {table} SET {sets} WHERE {identity} = :row_id"),
                             {**plain, "row_id": row_id})
    for kind, table in (("giftcard_sell", "gift_sales"), ("company_add", "companies")):
        for action_key, stored in bind.execute(sa.text(
                "SELECT key, result_json FROM actions WHERE kind = :kind"), {"kind": kind}).all():
            answer = json.loads(stored)
            row_id = action_key if table == "gift_sales" else answer.get("code")
            given_back = opened.get((table, str(row_id)))
            if given_back:
                answer.update(given_back)
                bind.execute(sa.text("UPDATE actions SET result_json = :r WHERE key = :k"),
                             {"r": json.dumps(answer, ensure_ascii=False), "k": action_key})
    for table, (_identity, fields) in SEALED.items():
        with op.batch_alter_table(table) as batch:
            for field, length in fields.items():
                batch.alter_column(field, type_=sa.String(length), existing_type=sa.Text())
