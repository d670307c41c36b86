"""authors.placeholder: a typed flag for the stand-in of an author a page left out

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01

A page whose includes lack a post's author stores a placeholder author (monitor.parse.stub_author) so
the post keeps its link; the author's real profile replaces it when they next appear. Placeholders were
told apart only by an empty `raw` JSON object, and a JSON column compared with a Python value is not
portable (PostgreSQL's json type has no equality operator at all). Existing placeholders are found once
here by their JSON text, which SQLAlchemy wrote as '{}'.
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Not in batch mode, here and in downgrade: SQLite adds (and, from 3.35, drops) a column in place,
    # where a batch copies the table and loses what it cannot reflect (ix_authors_username_lower).
    op.add_column("authors", sa.Column("placeholder", sa.Boolean(), server_default=sa.false(), nullable=False))
    authors = sa.table("authors", sa.column("raw", sa.JSON), sa.column("placeholder", sa.Boolean))
    op.execute(authors.update().where(sa.cast(authors.c.raw, sa.Text) == "{}").values(placeholder=True))


def downgrade() -> None:
    op.drop_column("authors", "placeholder")
