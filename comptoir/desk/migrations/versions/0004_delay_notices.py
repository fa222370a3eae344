"""The delay notices already sent: one per order and change of its lateness.

Revision ID: 0004_delay_notices
Revises: 0003_mail
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_delay_notices"
down_revision = "0003_mail"


def upgrade() -> None:
    op.create_table(
        "desk_delay_notices",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_number", sa.String(length=32), nullable=False),
        sa.Column("fingerprint", sa.String(length=160), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("order_number", "fingerprint", name="uq_desk_delay_notices_state"),
    )


def downgrade() -> None:
    op.drop_table("desk_delay_notices")
