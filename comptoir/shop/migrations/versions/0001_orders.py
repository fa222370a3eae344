"""Orders, lines, shipments, tracking events, verification attempts.

Revision ID: 0001_orders
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_orders"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shop_customers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True, index=True),
        sa.Column("first_name", sa.String(80), nullable=False, server_default=""),
    )
    op.create_table(
        "shop_orders",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("number", sa.String(32), nullable=False, unique=True, index=True),
        sa.Column("customer_id", sa.Integer, sa.ForeignKey("shop_customers.id"), index=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("postcode", sa.String(16), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("promised_delivery", sa.Date, nullable=True),
        sa.Column("revised_delivery", sa.Date, nullable=True),
    )
    op.create_table(
        "shop_order_lines",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "order_id", sa.Integer, sa.ForeignKey("shop_orders.id", ondelete="CASCADE"), index=True
        ),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("qty", sa.Integer, nullable=False),
        sa.Column("unit_price", sa.Numeric(10, 2), nullable=False),
        sa.Column("category", sa.String(64), nullable=False, server_default=""),
    )
    op.create_table(
        "shop_shipments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "order_id", sa.Integer, sa.ForeignKey("shop_orders.id", ondelete="CASCADE"), index=True
        ),
        sa.Column("carrier", sa.String(40), nullable=False),
        sa.Column("tracking_number", sa.String(64), nullable=False),
        sa.Column("tracking_url", sa.Text, nullable=False, server_default=""),
        sa.Column("skus", sa.JSON, nullable=False),
    )
    op.create_table(
        "shop_tracking_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "shipment_id",
            sa.Integer,
            sa.ForeignKey("shop_shipments.id", ondelete="CASCADE"),
            index=True,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("location", sa.String(120), nullable=False, server_default=""),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
    )
    op.create_table(
        "shop_verification_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("order_number", sa.String(32), nullable=False, index=True),
        sa.Column("conversation_id", sa.String(64), nullable=False, index=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("success", sa.Boolean, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "shop_verification_attempts",
        "shop_tracking_events",
        "shop_shipments",
        "shop_order_lines",
        "shop_orders",
        "shop_customers",
    ):
        op.drop_table(table)
