"""The desk's tables as of the first release: conversations, messages, votes,
satisfaction, the widget's client ids, tickets and their notes, console accounts and
sessions.

Revision ID: 0001_desk
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_desk"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "desk_client_messages",
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("conversation_id", "client_id"),
    )
    op.create_table(
        "desk_conversations",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "desk_kb_feedback",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("article_id", sa.String(length=80), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("vote", sa.String(length=4), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_desk_kb_feedback_article_id"), "desk_kb_feedback", ["article_id"], unique=False
    )
    op.create_index(
        op.f("ix_desk_kb_feedback_conversation_id"),
        "desk_kb_feedback",
        ["conversation_id"],
        unique=False,
    )
    op.create_table(
        "desk_satisfaction",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_desk_satisfaction_conversation_id"),
        "desk_satisfaction",
        ["conversation_id"],
        unique=False,
    )
    op.create_table(
        "desk_ticket_notes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("agent_name", sa.String(length=80), nullable=False),
        sa.Column("text", sa.String(length=2000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_desk_ticket_notes_ticket_id"), "desk_ticket_notes", ["ticket_id"], unique=False
    )
    op.create_table(
        "desk_tickets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("priority", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("agent_name", sa.String(length=80), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("request", sa.String(length=2000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_desk_tickets_conversation_id"), "desk_tickets", ["conversation_id"], unique=False
    )
    op.create_index(op.f("ix_desk_tickets_status"), "desk_tickets", ["status"], unique=False)
    op.create_table(
        "desk_users",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=80), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=256), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    op.create_table(
        "desk_console_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["desk_users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_table(
        "desk_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("sender", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("delivered", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["desk_conversations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_desk_messages_conversation_id"), "desk_messages", ["conversation_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_desk_messages_conversation_id"), table_name="desk_messages")
    op.drop_table("desk_messages")
    op.drop_table("desk_console_sessions")
    op.drop_table("desk_users")
    op.drop_index(op.f("ix_desk_tickets_status"), table_name="desk_tickets")
    op.drop_index(op.f("ix_desk_tickets_conversation_id"), table_name="desk_tickets")
    op.drop_table("desk_tickets")
    op.drop_index(op.f("ix_desk_ticket_notes_ticket_id"), table_name="desk_ticket_notes")
    op.drop_table("desk_ticket_notes")
    op.drop_index(op.f("ix_desk_satisfaction_conversation_id"), table_name="desk_satisfaction")
    op.drop_table("desk_satisfaction")
    op.drop_index(op.f("ix_desk_kb_feedback_conversation_id"), table_name="desk_kb_feedback")
    op.drop_index(op.f("ix_desk_kb_feedback_article_id"), table_name="desk_kb_feedback")
    op.drop_table("desk_kb_feedback")
    op.drop_table("desk_conversations")
    op.drop_table("desk_client_messages")
