"""collector_lease (one collector per database) and report_emails (each week e-mailed once)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02

`collector_lease` is one row, held by the running collector (monitor.lease): a second `run` on the same
database refuses instead of polling everything twice. `report_emails` records each weekly e-mail as it
is claimed and sent, so two processes or a restart never send a week twice.
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    lease = op.create_table(
        "collector_lease",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("holder", sa.String(40)),
        sa.Column("host", sa.String(255)),
        sa.Column("pid", sa.Integer()),
        sa.Column("command", sa.String(40)),
        sa.Column("started_at", sa.DateTime()),
        sa.Column("renewed_at", sa.DateTime()),
    )
    op.bulk_insert(lease, [{"id": 1}])  # free: no collector holds it yet
    op.create_table(
        "report_emails",
        sa.Column("campaign", sa.String(100), primary_key=True),
        sa.Column("week", sa.String(8), primary_key=True),
        sa.Column("claimed_by", sa.String(300), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime()),
        sa.Column("recipients", sa.Text()),
    )


def downgrade() -> None:
    op.drop_table("report_emails")
    op.drop_table("collector_lease")
