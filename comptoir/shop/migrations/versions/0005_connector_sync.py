"""Live orders from the shop's platform: when each order was last fetched (the live
look-up's cache), and the state of the scheduled sync (how far it got, and which desk
is running it now, so that two desks do not both fetch the same pages).

Revision ID: 0005_connector_sync
Revises: 0004_order_language
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_connector_sync"
down_revision = "0004_order_language"


def upgrade() -> None:
    op.add_column("shop_orders", sa.Column("synced_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "shop_connector_sync",
        sa.Column("platform", sa.String(24), primary_key=True),
        sa.Column("synced_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_owner", sa.String(64), nullable=False, server_default=""),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_orders", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.String(300), nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_table("shop_connector_sync")
    with op.batch_alter_table("shop_orders") as batch:
        batch.drop_column("synced_at")
