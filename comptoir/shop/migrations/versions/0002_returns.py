"""Return and warranty requests with their history.

Revision ID: 0002_returns
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_returns"
down_revision = "0001_orders"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shop_returns",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("number", sa.String(20), nullable=False, unique=True, index=True),
        sa.Column("order_id", sa.Integer, sa.ForeignKey("shop_orders.id"), index=True),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(24), nullable=False),
        sa.Column("resolution", sa.String(16), nullable=False),
        sa.Column("rule", sa.String(20), nullable=False),
        sa.Column("payer", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_on", sa.Date, nullable=True),
        sa.Column("conversation_id", sa.String(64), nullable=False, server_default=""),
    )
    op.create_table(
        "shop_return_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "return_id",
            sa.Integer,
            sa.ForeignKey("shop_returns.id", ondelete="CASCADE"),
            index=True,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_table("shop_return_events")
    op.drop_table("shop_returns")
