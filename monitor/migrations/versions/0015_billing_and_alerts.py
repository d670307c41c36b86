"""billed_reads (what the X API billed, one row per resource per UTC day); alerts and alert_deliveries

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02

The month's X spend was estimated from run counters, which count a post read twice in a UTC day twice
(X bills it once): billed_reads records each billable read as X counts it, so the budget can be a cap.
alerts keeps each alert occurrence once (its unique key is the dedup key, so a restart sends nothing
twice); alert_deliveries its delivery to each channel, with retries.
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "billed_reads",
        sa.Column("network", sa.String(12), primary_key=True),
        sa.Column("resource", sa.String(8), primary_key=True),
        sa.Column("resource_id", sa.String(24), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("via", sa.String(12), nullable=False),
        sa.Column("price_usd", sa.Float(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_billed_reads_day", "billed_reads", ["day", "network", "via", "resource", "price_usd"])
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(200), nullable=False, unique=True),
        sa.Column("rule", sa.String(40), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_alerts_occurred_at", "alerts", ["occurred_at"])
    op.create_table(
        "alert_deliveries",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("alert_id", sa.Integer(), sa.ForeignKey("alerts.id"), nullable=False),
        sa.Column("channel", sa.String(60), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime()),
        sa.Column("sent_at", sa.DateTime()),
        sa.Column("last_error", sa.Text()),
        sa.Column("note", sa.Text()),
        sa.UniqueConstraint("alert_id", "channel", name="uq_alert_deliveries_alert_channel"),
    )
    op.create_index("ix_alert_deliveries_status_next", "alert_deliveries", ["status", "next_attempt_at"])
    op.create_index("ix_alert_deliveries_sent_at", "alert_deliveries", ["sent_at"])


def downgrade() -> None:
    op.drop_table("alert_deliveries")
    op.drop_table("alerts")
    op.drop_table("billed_reads")
