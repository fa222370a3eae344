"""The e-mail outbox (every e-mail, its tries and its fate) and the addresses that asked
for no more notices (as keyed hashes).

Revision ID: 0003_mail
Revises: 0002_reports
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_mail"
down_revision = "0002_reports"


def upgrade() -> None:
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dedupe_key", sa.String(length=255), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("reference", sa.String(length=80), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("to_address", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("in_reply_to", sa.String(length=255), nullable=True),
        sa.Column("references", sa.Text(), nullable=False),
        sa.Column("unsubscribe_url", sa.Text(), nullable=True),
        sa.Column("extra_headers", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_owner", sa.String(length=40), nullable=True),
        sa.Column("error_kind", sa.String(length=20), nullable=False),
        sa.Column("last_error", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tried_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key"),
    )
    op.create_index(
        "ix_mail_outbox_status_not_before", "mail_outbox", ["status", "not_before"], unique=False
    )
    op.create_index(op.f("ix_mail_outbox_reference"), "mail_outbox", ["reference"], unique=False)
    op.create_table(
        "mail_optouts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        # A keyed hash of the address (HMAC-SHA256), never the address itself.
        sa.Column("address_hash", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("address_hash"),
    )


def downgrade() -> None:
    op.drop_table("mail_optouts")
    op.drop_index(op.f("ix_mail_outbox_reference"), table_name="mail_outbox")
    op.drop_index("ix_mail_outbox_status_not_before", table_name="mail_outbox")
    op.drop_table("mail_outbox")
