"""The shopper's language on each order (the delay notices are written in it), and an
index on ``placed_at`` (the notice check reads only the recent orders).

Revision ID: 0004_order_language
Revises: 0003_proof_and_lockouts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_order_language"
down_revision = "0003_proof_and_lockouts"


def upgrade() -> None:
    op.add_column(
        "shop_orders", sa.Column("language", sa.String(2), nullable=False, server_default="fr")
    )
    op.create_index("ix_shop_orders_placed_at", "shop_orders", ["placed_at"])


def downgrade() -> None:
    op.drop_index("ix_shop_orders_placed_at", table_name="shop_orders")
    with op.batch_alter_table("shop_orders") as batch:
        batch.drop_column("language")
