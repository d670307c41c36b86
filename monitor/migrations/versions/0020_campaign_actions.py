"""Campaign actions: actions (each as it stands) and action_versions (every version saved)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01

Roundtables, letters, visits and the like, entered by hand (monitor.actions). An edit or a removal
adds a version; nothing a person saved is overwritten.
"""
import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def _fields() -> list:
    return [
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("at_time", sa.Time(), nullable=True),
        sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("region", sa.String(40), nullable=True),
        sa.Column("branch", sa.String(80), nullable=True),
        sa.Column("mp_member_ids", sa.Text(), nullable=True),
        sa.Column("link", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "actions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        *_fields(),
        sa.Column("campaign", sa.String(80), nullable=False),
        sa.Column("recorded_by", sa.String(120), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(120), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("removed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_actions_campaign_day", "actions", ["campaign", "day"])
    op.create_table(
        "action_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        *_fields(),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("change", sa.String(10), nullable=False),
        sa.Column("saved_by", sa.String(120), nullable=False),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["action_id"], ["actions.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_action_versions_action_id", "action_versions", ["action_id"])


def downgrade() -> None:
    op.drop_index("ix_action_versions_action_id", table_name="action_versions")
    op.drop_table("action_versions")
    op.drop_index("ix_actions_campaign_day", table_name="actions")
    op.drop_table("actions")
