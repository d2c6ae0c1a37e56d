"""Browser sessions held on the server, so "Delete my answers" and "Close diary" end a
session for every copy of its cookie, not only in the browser that pressed the button.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "browser_session",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("salt", sa.LargeBinary(32), nullable=False),
        sa.Column("expires", sa.Integer, nullable=False),
    )
    op.create_index("ix_browser_session_expires", "browser_session", ["expires"])


def downgrade() -> None:
    op.drop_index("ix_browser_session_expires", "browser_session")
    op.drop_table("browser_session")
