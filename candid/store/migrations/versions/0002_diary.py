"""Diary: diaries (lookup and salt only), sealed episodes, and shared failure counters.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "diary",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("lookup", sa.LargeBinary(32), nullable=False, unique=True),
        sa.Column("salt", sa.LargeBinary(16), nullable=False),
    )
    op.create_table(
        "episode",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "diary_id",
            sa.String(36),
            sa.ForeignKey("diary.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("nonce", sa.LargeBinary(12), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_episode_diary_id", "episode", ["diary_id"])
    op.create_table(
        "throttle",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("window", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("throttle")
    op.drop_index("ix_episode_diary_id", table_name="episode")
    op.drop_table("episode")
    op.drop_table("diary")
