"""The e-mails of an offline ticket, both ways, with their Message-IDs for threading.

Revision ID: 0006_ticket_mail
Revises: 0005_notices_due
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_ticket_mail"
down_revision = "0005_notices_due"


def upgrade() -> None:
    op.create_table(
        "desk_ticket_mails",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("dedupe_key", sa.String(length=120), nullable=True),
        sa.Column("author", sa.String(length=254), nullable=False),
        sa.Column("sender_matches", sa.Boolean(), nullable=False),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key"),
        sa.UniqueConstraint("message_id"),
    )
    op.create_index(
        op.f("ix_desk_ticket_mails_ticket_id"), "desk_ticket_mails", ["ticket_id"], unique=False
    )
    op.create_index(
        op.f("ix_desk_ticket_mails_created_at"), "desk_ticket_mails", ["created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_desk_ticket_mails_created_at"), table_name="desk_ticket_mails")
    op.drop_index(op.f("ix_desk_ticket_mails_ticket_id"), table_name="desk_ticket_mails")
    op.drop_table("desk_ticket_mails")
