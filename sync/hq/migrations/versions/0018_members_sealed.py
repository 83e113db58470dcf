"""members' personal data sealed at head office: phone, name and birthday become one blob under
the member's own key (hq_member_keys, wrapped under the master key in head office's key store),
found through keyed hashes of the phone and its last four digits and the name's grams under
head office's index key; the birthday's month stays readable for segments and campaigns. What
members wrote on the self-service page is sealed under their key too, and exceptions keep a
masked phone. A member head office has no key for gets one here.

Revision ID: 0018
Revises: 0017
"""

import base64
import datetime as dt
import json
import os

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

MARKERS = ("erased:", "unknown:")


def _store(bind: sa.Connection):  # type: ignore[no-untyped-def]
    from storeapp.keystore import KeyStore, new_entry

    entry = bind.execute(sa.text("SELECT value FROM hq_secrets WHERE name = 'key_entry'")).scalar()
    if entry is None:
        entry = new_entry("hq")
        bind.execute(sa.text("INSERT INTO hq_secrets (name, value, created_at) "
                             "VALUES ('key_entry', :v, :at)"),
                     {"v": entry, "at": dt.datetime.now(dt.UTC).replace(tzinfo=None)})
    return KeyStore(entry)


def _keys(bind: sa.Connection, master: bytes) -> dict[str, bytes]:
    from storeapp import pii

    return {member_id: pii.unwrap(master, member_id, base64.b64decode(wrapped))
            for member_id, wrapped in bind.execute(sa.text(
                "SELECT member_id, wrapped FROM hq_member_keys"))}


def upgrade() -> None:
    from storeapp import pii
    from storeapp.identity import mask_phone

    bind = op.get_bind()
    op.add_column("hq_members", sa.Column("phone_key", sa.String(48), nullable=True))
    op.add_column("hq_members", sa.Column("tail_key", sa.String(32), nullable=True))
    op.add_column("hq_members", sa.Column("personal", sa.Text(), nullable=True))
    op.add_column("hq_members", sa.Column("birth_month", sa.Integer(), nullable=True))
    op.create_table(
        "hq_member_name_grams",
        sa.Column("gram", sa.String(16), nullable=False),
        sa.Column("member_id", sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint("gram", "member_id"),
    )
    op.create_index("ix_hq_member_name_grams_member_id", "hq_member_name_grams", ["member_id"])
    rows = bind.execute(sa.text(
        "SELECT member_id, phone, name, birthday FROM hq_members")).all()
    requests = bind.execute(sa.text("SELECT id, member_id, text FROM hq_privacy_requests")).all()
    if rows or requests:
        store = _store(bind)
        master, index = store.secret("master"), store.secret("index")
        keys = _keys(bind, master)
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)

        def key_of(member_id: str) -> bytes:
            if member_id not in keys:
                keys[member_id] = os.urandom(pii.KEY_BYTES)
                bind.execute(sa.text("INSERT INTO hq_member_keys VALUES (:id, :w, :at)"), {
                    "id": member_id, "at": now, "w": base64.b64encode(
                        pii.wrap(master, member_id, keys[member_id])).decode()})
            return keys[member_id]

        grams = []
        for member_id, phone, name, birthday in rows:
            day = (birthday if isinstance(birthday, dt.date) or not birthday
                   else dt.date.fromisoformat(str(birthday)))
            marker = str(phone).startswith(MARKERS)
            blank = marker and not name and not day
            person = pii.Personal(phone=phone, name=name or "", birthday=day or None)
            bind.execute(sa.text(
                "UPDATE hq_members SET personal = :p, phone_key = :k, tail_key = :t, "
                "birth_month = :m WHERE member_id = :id"),
                {"p": "" if blank else pii.seal(key_of(member_id), member_id, person),
                 "k": phone if marker else pii.phone_key(index, phone),
                 "t": "" if marker else pii.tail_key(index, phone[-4:]),
                 "m": day.month if day else None, "id": member_id})
            grams += [{"g": g, "id": member_id} for g in pii.name_grams(index, name or "")]
        if grams:
            bind.execute(sa.text("INSERT INTO hq_member_name_grams VALUES (:g, :id)"), grams)
        for request_id, member_id, text in requests:
            sealed = pii.seal_text(key_of(member_id), f"{member_id}/request/{request_id}",
                                   text) if text else ""
            bind.execute(sa.text("UPDATE hq_privacy_requests SET text = :t WHERE id = :id"),
                         {"t": sealed, "id": request_id})
    for exception_id, detail in bind.execute(sa.text(
            "SELECT id, detail_json FROM hq_exceptions WHERE detail_json LIKE '%\"phone\"%'")):
        data = json.loads(detail)
        if isinstance(data.get("phone"), str) and not data["phone"].startswith(MARKERS):
            data["phone"] = mask_phone(data["phone"])
            bind.execute(sa.text("UPDATE hq_exceptions SET detail_json = :d WHERE id = :id"),
                         {"d": json.dumps(data, ensure_ascii=False), "id": exception_id})
    op.drop_index("uq_hq_members_live_phone", table_name="hq_members")
    with op.batch_alter_table("hq_members") as batch:
        batch.drop_column("phone")
        batch.drop_column("name")
        batch.drop_column("birthday")
        batch.alter_column("phone_key", existing_type=sa.String(48), nullable=False)
        batch.alter_column("tail_key", existing_type=sa.String(32), nullable=False)
        batch.alter_column("personal", existing_type=sa.Text(), nullable=False)
    with op.batch_alter_table("hq_privacy_requests") as batch:
        batch.alter_column("text", existing_type=sa.String(500), type_=sa.Text(),
                           existing_nullable=False)
    op.create_index("uq_hq_members_live_phone", "hq_members", ["phone_key"], unique=True,
                    postgresql_where=sa.text("merged_into IS NULL"),
                    sqlite_where=sa.text("merged_into IS NULL"))
    op.create_index("ix_hq_members_tail", "hq_members", ["tail_key"])
    op.create_index("ix_hq_members_birth_month", "hq_members", ["birth_month"])


def downgrade() -> None:
    """Plain columns again, opened with head office's keys (an erased member's stay empty)."""
    from storeapp import pii

    bind = op.get_bind()
    op.add_column("hq_members", sa.Column("phone", sa.String(48), nullable=True))
    op.add_column("hq_members", sa.Column("name", sa.String(32), nullable=True))
    op.add_column("hq_members", sa.Column("birthday", sa.Date(), nullable=True))
    rows = bind.execute(sa.text("SELECT member_id, phone_key, personal FROM hq_members")).all()
    requests = bind.execute(sa.text("SELECT id, member_id, text FROM hq_privacy_requests")).all()
    keys: dict[str, bytes] = {}
    if rows or requests:
        keys = _keys(bind, _store(bind).secret("master"))
    for member_id, phone_key, sealed in rows:
        key = keys.get(member_id)
        person = (pii.unseal(key, member_id, sealed) if key and sealed else pii.ERASED)
        marker = phone_key.startswith(MARKERS)
        bind.execute(sa.text("UPDATE hq_members SET phone = :phone, name = :name, "
                             "birthday = :day WHERE member_id = :id"),
                     {"phone": phone_key if marker else person.phone or f"erased:{member_id}",
                      "name": person.name, "day": person.birthday, "id": member_id})
    for request_id, member_id, text in requests:
        key = keys.get(member_id)
        plain = (pii.unseal_text(key, f"{member_id}/request/{request_id}", text)
                 if key and text else "")
        bind.execute(sa.text("UPDATE hq_privacy_requests SET text = :t WHERE id = :id"),
                     {"t": plain[:500], "id": request_id})
    op.drop_index("ix_hq_members_birth_month", table_name="hq_members")
    op.drop_index("ix_hq_members_tail", table_name="hq_members")
    op.drop_index("uq_hq_members_live_phone", table_name="hq_members")
    op.drop_table("hq_member_name_grams")
    with op.batch_alter_table("hq_members") as batch:
        for column in ("phone_key", "tail_key", "personal", "birth_month"):
            batch.drop_column(column)
        batch.alter_column("phone", existing_type=sa.String(48), nullable=False)
        batch.alter_column("name", existing_type=sa.String(32), nullable=False)
    with op.batch_alter_table("hq_privacy_requests") as batch:
        batch.alter_column("text", existing_type=sa.Text(), type_=sa.String(500),
                           existing_nullable=False)
    op.create_index("uq_hq_members_live_phone", "hq_members", ["phone"], unique=True,
                    postgresql_where=sa.text("merged_into IS NULL"),
                    sqlite_where=sa.text("merged_into IS NULL"))
