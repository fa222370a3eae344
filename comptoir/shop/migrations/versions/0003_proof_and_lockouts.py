"""Proof of ownership: the order's last name and total, the requester's address on each
attempt, how an order was proved, and the lockouts agents see.

Revision ID: 0003_proof_and_lockouts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_proof_and_lockouts"
down_revision = "0002_returns"


def upgrade() -> None:
    op.add_column(
        "shop_orders", sa.Column("last_name", sa.String(80), nullable=False, server_default="")
    )
    op.add_column("shop_orders", sa.Column("total", sa.Numeric(10, 2), nullable=True))
    op.add_column(
        "shop_verification_attempts",
        sa.Column("client_address", sa.String(64), nullable=False, server_default=""),
    )
    op.add_column(
        "shop_verification_attempts",
        sa.Column("method", sa.String(16), nullable=False, server_default="proof"),
    )
    op.create_index(
        "ix_shop_verification_attempts_client_address",
        "shop_verification_attempts",
        ["client_address"],
    )
    op.create_table(
        "shop_verification_lockouts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("conversation_id", sa.String(64), nullable=False),
        sa.Column("client_address", sa.String(64), nullable=False, server_default=""),
        sa.Column("order_number", sa.String(32), nullable=False, server_default=""),
        sa.Column("limit_reached", sa.String(16), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("shop_verification_lockouts")
    op.drop_index(
        "ix_shop_verification_attempts_client_address", table_name="shop_verification_attempts"
    )
    with op.batch_alter_table("shop_verification_attempts") as batch:
        batch.drop_column("method")
        batch.drop_column("client_address")
    with op.batch_alter_table("shop_orders") as batch:
        batch.drop_column("total")
        batch.drop_column("last_name")
