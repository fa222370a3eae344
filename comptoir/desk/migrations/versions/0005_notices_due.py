"""Shop notices (delivery disruptions...) and each ticket's promised answer time.

``desk_shop_notices`` holds the notices editors write in the console; ``desk_tickets``
gains ``due_at`` (when the promised answer is due, indexed for the overdue sweeper) and
``overdue_notified_at`` (set once, by the one desk process that told the webhook).

Revision ID: 0005_notices_due
Revises: 0004_delay_notices
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_notices_due"
down_revision = "0004_delay_notices"


def upgrade() -> None:
    op.create_table(
        "desk_shop_notices",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("text_fr", sa.String(length=500), nullable=False),
        sa.Column("text_en", sa.String(length=500), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_desk_shop_notices_starts_at"), "desk_shop_notices", ["starts_at"], unique=False
    )
    op.create_index(
        op.f("ix_desk_shop_notices_ends_at"), "desk_shop_notices", ["ends_at"], unique=False
    )
    op.add_column("desk_tickets", sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "desk_tickets",
        sa.Column("overdue_notified_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(op.f("ix_desk_tickets_due_at"), "desk_tickets", ["due_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_desk_tickets_due_at"), table_name="desk_tickets")
    with op.batch_alter_table("desk_tickets") as batch:  # SQLite rebuilds the table
        batch.drop_column("overdue_notified_at")
        batch.drop_column("due_at")
    op.drop_index(op.f("ix_desk_shop_notices_ends_at"), table_name="desk_shop_notices")
    op.drop_index(op.f("ix_desk_shop_notices_starts_at"), table_name="desk_shop_notices")
    op.drop_table("desk_shop_notices")
