"""The owner's reports: the roll-up of each conversation's and each ticket's facts, the
hourly counts of each day, the votes per article and day, the roll-up's progress mark, and the indexes its incremental
passes and the period's votes need.

Revision ID: 0002_reports
Revises: 0001_desk
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_reports"
down_revision = "0001_desk"

FLAGS = (
    "eligible",
    "answered",
    "contained",
    "confirmed",
    "assumed",
    "handed_off",
    "scored",
    "satisfied",
    "order_status",
    "late",
    "partial",
    "lost",
)
COUNTS = (
    "conversations",
    "eligible",
    "contained",
    "confirmed",
    "assumed",
    "handoffs",
    "scored",
    "satisfied",
    "order_status",
    "late",
    "partial",
    "lost",
    "troubled",
)
INDEXES = (
    ("desk_conversations", "updated_at"),
    ("desk_tickets", "created_at"),
    ("desk_tickets", "closed_at"),
    ("desk_satisfaction", "created_at"),
    ("desk_kb_feedback", "created_at"),
    ("desk_report_conversations", "day"),
    ("desk_report_conversations", "recheck_at"),
    ("desk_report_tickets", "conversation_id"),
    ("desk_report_tickets", "recheck_at"),
)


def upgrade() -> None:
    op.create_table(
        "desk_report_conversations",
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("hour", sa.SmallInteger(), nullable=False),
        *(sa.Column(flag, sa.Boolean(), nullable=False) for flag in FLAGS),
        sa.Column("recheck_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("conversation_id"),
    )
    op.create_table(
        "desk_report_tickets",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("offline", sa.Boolean(), nullable=False),
        sa.Column("first_response_s", sa.Float(), nullable=True),
        sa.Column("first_response_business_s", sa.Float(), nullable=True),
        sa.Column("first_response_bucket", sa.String(length=12), nullable=True),
        sa.Column("resolution_s", sa.Float(), nullable=True),
        sa.Column("within_promise", sa.Boolean(), nullable=True),
        sa.Column("recheck_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("day", "ticket_id"),
        sqlite_with_rowid=False,  # stored in day order, like the model says
    )
    op.create_table(
        "desk_report_hours",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("hour", sa.SmallInteger(), autoincrement=False, nullable=False),
        *(sa.Column(count, sa.Integer(), nullable=False) for count in COUNTS),
        sa.PrimaryKeyConstraint("day", "hour"),
    )
    op.create_table(
        "desk_report_votes",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("article_id", sa.String(length=80), nullable=False),
        sa.Column("up", sa.Integer(), nullable=False),
        sa.Column("down", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "article_id"),
    )
    op.create_table(
        "desk_report_state",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    for table, column in INDEXES:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)
    op.create_index(
        op.f("ix_desk_report_tickets_ticket_id"), "desk_report_tickets", ["ticket_id"], unique=True
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_desk_report_tickets_ticket_id"), table_name="desk_report_tickets")
    for table, column in reversed(INDEXES):
        op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
    op.drop_table("desk_report_state")
    op.drop_table("desk_report_hours")
    op.drop_table("desk_report_votes")
    op.drop_table("desk_report_tickets")
    op.drop_table("desk_report_conversations")
