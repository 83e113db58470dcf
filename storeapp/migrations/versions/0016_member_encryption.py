"""members' personal data sealed: phone, name and birthday become one blob under the member's own
key (kept in the till's key store, outside this file), found through keyed hashes of the phone,
its last four digits and the name's grams; the birthday's month stays readable for birthday
coupons. Existing members are sealed here and their plain columns dropped; storeapp.migrate then
vacuums the file so no plain copy survives in its free pages.

Revision ID: 0016
Revises: 0015
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from storeapp.keystore import KeyStore, new_entry
    from storeapp.pii import Personal, Ring
    from storeapp.pii_orm import GIVEN_BACK

    bind = op.get_bind()
    entry_json = bind.execute(sa.text(
        "SELECT value_json FROM settings WHERE name = 'key_entry'")).scalar()
    if entry_json is None:
        entry = new_entry("till")
        bind.execute(sa.text("INSERT INTO settings (name, value_json) VALUES ('key_entry', :v)"),
                     {"v": json.dumps(entry)})
    else:
        entry = json.loads(entry_json)

    op.add_column("members", sa.Column("phone_key", sa.String(48), nullable=True))
    op.add_column("members", sa.Column("tail_key", sa.String(32), nullable=True))
    op.add_column("members", sa.Column("personal", sa.Text(), nullable=True))
    op.add_column("members", sa.Column("birth_month", sa.Integer(), nullable=True))
    op.create_table(
        "member_name_grams",
        sa.Column("gram", sa.String(16), nullable=False),
        sa.Column("member_id", sa.String(36), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.member_id"]),
        sa.PrimaryKeyConstraint("gram", "member_id"),
    )
    rows = bind.execute(sa.text("SELECT member_id, phone, name, birthday FROM members")).all()
    if rows:
        import datetime as dt

        ring = Ring.of(KeyStore(entry))
        grams = []
        for member_id, phone, name, birthday in rows:
            person = Personal(phone=phone, name=name,
                              birthday=dt.date.fromisoformat(birthday) if birthday else None)
            given_back = phone.startswith(GIVEN_BACK)
            bind.execute(sa.text(
                "UPDATE members SET personal = :p, phone_key = :k, tail_key = :t, "
                "birth_month = :m WHERE member_id = :id"),
                {"p": ring.seal(member_id, person),
                 "k": phone if given_back else ring.phone_key(phone),
                 "t": "" if given_back else ring.tail_key(phone[-4:]),
                 "m": person.birthday.month if person.birthday else None, "id": member_id})
            grams += [{"g": g, "id": member_id} for g in ring.name_grams(name)]
        if grams:
            bind.execute(sa.text("INSERT INTO member_name_grams VALUES (:g, :id)"), grams)
    # the table is rebuilt without its plain columns (storeapp.migrate turns foreign keys off
    # while migrations run and checks them all before committing)
    with op.batch_alter_table("members") as batch:
        batch.drop_index("ix_members_tail_visit")
        batch.drop_index("ix_members_name")
        batch.drop_column("phone")
        batch.drop_column("phone_tail")
        batch.drop_column("name")
        batch.drop_column("birthday")
        batch.alter_column("phone_key", nullable=False)
        batch.alter_column("tail_key", nullable=False)
        batch.alter_column("personal", nullable=False)
        batch.create_unique_constraint("uq_members_phone_key", ["phone_key"])
        batch.create_index("ix_members_tail_visit", ["tail_key", "last_visit_at"])
        batch.create_index("ix_members_birth_month", ["birth_month"])


def downgrade() -> None:
    """Plain columns again, opened with the till's keys (an erased member's stay empty)."""
    import datetime as dt

    from storeapp.keystore import KeyStore
    from storeapp.pii import Ring

    bind = op.get_bind()
    op.add_column("members", sa.Column("phone", sa.String(20), nullable=True))
    op.add_column("members", sa.Column("phone_tail", sa.String(4), nullable=True))
    op.add_column("members", sa.Column("name", sa.String(32), nullable=True))
    op.add_column("members", sa.Column("birthday", sa.Date(), nullable=True))
    rows = bind.execute(sa.text("SELECT member_id, phone_key, personal FROM members")).all()
    if rows:
        entry = json.loads(bind.execute(sa.text(
            "SELECT value_json FROM settings WHERE name = 'key_entry'")).scalar_one())
        ring = Ring.of(KeyStore(entry))
        for member_id, phone_key, sealed in rows:
            person = ring.open(member_id, sealed)
            phone = phone_key if ":" in phone_key else (person.phone or f"erased:{member_id}")
            bind.execute(sa.text(
                "UPDATE members SET phone = :phone, phone_tail = :tail, name = :name, "
                "birthday = :day WHERE member_id = :id"),
                {"phone": phone, "tail": phone[-4:] if person.phone else "",
                 "name": person.name, "id": member_id,
                 "day": person.birthday.isoformat() if isinstance(person.birthday, dt.date)
                 else None})
    op.drop_table("member_name_grams")
    with op.batch_alter_table("members") as batch:
        batch.drop_index("ix_members_tail_visit")
        batch.drop_index("ix_members_birth_month")
        batch.drop_constraint("uq_members_phone_key", type_="unique")
        for column in ("phone_key", "tail_key", "personal", "birth_month"):
            batch.drop_column(column)
        for column in ("phone", "phone_tail", "name"):
            batch.alter_column(column, nullable=False)
        batch.create_unique_constraint("uq_members_phone", ["phone"])
        batch.create_index("ix_members_name", ["name"])
        batch.create_index("ix_members_tail_visit", ["phone_tail", "last_visit_at"])
