"""The MP register and the posts that involve MPs: mps, mp_handle_corrections, mp_register_loads,
post_mps, mp_watch_matches

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01

Schema only. The 650 rows of the register are loaded after the migrations by `db upgrade` itself
(monitor.mps.register.load_packaged_if_newer, called from monitor.schema.upgrade), not by this revision:
the register is data that a package release refreshes (a by-election, a new handle) and that
`mps import` rebuilds from newer source files, and loading it runs the same code as that command, which
keeps people's handle corrections and finds the MPs in the posts already stored. A revision is frozen
history; a data load inside it would read whatever copy of the register the installed package holds.
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mps",
        sa.Column("member_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("constituency", sa.Text(), nullable=False),
        sa.Column("constituency_code", sa.String(12), nullable=False),
        sa.Column("party", sa.String(80), nullable=False),
        sa.Column("region", sa.String(40), nullable=False),
        sa.Column("country", sa.String(20), nullable=False),
        sa.Column("local_authorities", sa.Text(), nullable=False),
        sa.Column("register_x_username", sa.String(50), nullable=True),
        sa.Column("register_bluesky_handle", sa.String(253), nullable=True),
        sa.Column("x_username", sa.String(50), nullable=True),
        sa.Column("bluesky_handle", sa.String(253), nullable=True),
        sa.Column("x_user_id", sa.String(24), nullable=True),
        sa.Column("sitting", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("member_id"),
    )
    op.create_index("ix_mps_x_user_id", "mps", ["x_user_id"])
    op.create_index("ix_mps_x_username_lower", "mps", [sa.text("lower(x_username)")])
    op.create_index("ix_mps_region", "mps", ["region", "party"])
    op.create_table(
        "mp_handle_corrections",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("x_username", sa.String(50), nullable=True),
        sa.Column("bluesky_handle", sa.String(253), nullable=True),
        sa.Column("corrected_by", sa.String(120), nullable=False),
        sa.Column("corrected_at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["mps.member_id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_mp_handle_corrections_member_id", "mp_handle_corrections", ["member_id"])
    op.create_table(
        "mp_register_loads",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(), nullable=False),
        sa.Column("files", sa.Text(), nullable=False),
        sa.Column("mps", sa.Integer(), nullable=False),
        sa.Column("x_handles", sa.Integer(), nullable=False),
        sa.Column("bluesky_handles", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "post_mps",
        sa.Column("post_id", sa.String(24), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("campaign_post_id", sa.String(24), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("author_id", sa.String(24), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["mps.member_id"]),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"]),
        sa.PrimaryKeyConstraint("post_id", "member_id", "kind"),
    )
    op.create_index("ix_post_mps_day", "post_mps", ["day", "member_id", "kind", "campaign_post_id", "post_id",
                                                   "author_id", "created_at"])
    op.create_index("ix_post_mps_member", "post_mps", ["member_id"])
    op.create_table(
        "mp_watch_matches",
        sa.Column("post_id", sa.String(24), nullable=False),
        sa.Column("campaign", sa.String(100), nullable=False),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"]),
        sa.PrimaryKeyConstraint("post_id", "campaign"),
    )


def downgrade() -> None:
    op.drop_table("mp_watch_matches")
    op.drop_index("ix_post_mps_member", table_name="post_mps")
    op.drop_index("ix_post_mps_day", table_name="post_mps")
    op.drop_table("post_mps")
    op.drop_table("mp_register_loads")
    op.drop_index("ix_mp_handle_corrections_member_id", table_name="mp_handle_corrections")
    op.drop_table("mp_handle_corrections")
    op.drop_index("ix_mps_region", table_name="mps")
    op.drop_index("ix_mps_x_username_lower", table_name="mps")
    op.drop_index("ix_mps_x_user_id", table_name="mps")
    op.drop_table("mps")
