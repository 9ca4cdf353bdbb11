"""kb: knowledge-base articles with a generated full-text column (russian + english), a trigram index on
titles for typos, and the deflections ("this solved it") counted per article

The search column follows ux_0001 (GENERATED ... STORED, so every write path keeps it current). Both
configurations go in: `russian` stems Russian words (and Latin-script words with the English stemmer),
`english` adds the English stop words and keeps Cyrillic words unstemmed, so an exact word form still
matches when the Russian stemmer cuts it differently.

Revision ID: kb_0001
Revises: tg_0001
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "kb_0001"
down_revision = "tg_0001"
branch_labels = None
depends_on = None

ARTICLE_TSV = ("setweight(to_tsvector('russian'::regconfig, coalesce(title, '')), 'A') || "
               "setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || "
               "setweight(to_tsvector('russian'::regconfig, coalesce(body, '')), 'B') || "
               "setweight(to_tsvector('english'::regconfig, coalesce(body, '')), 'B')")


def _has_trgm() -> bool:
    return op.get_bind().exec_driver_sql("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'").first() is not None


def upgrade() -> None:
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("body", sa.Text, nullable=False, server_default=""),
        sa.Column("service_id", sa.Integer, sa.ForeignKey("services.id", ondelete="SET NULL")),
        sa.Column("tags", postgresql.ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("visibility", sa.String(12), nullable=False, server_default="requesters"),
        sa.Column("state", sa.String(12), nullable=False, server_default="draft"),
        sa.Column("author_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("views", sa.Integer, nullable=False, server_default="0"),
        sa.CheckConstraint("visibility IN ('requesters', 'staff')", name=op.f("ck_articles_visibility")),
        sa.CheckConstraint("state IN ('draft', 'published')", name=op.f("ck_articles_state")),
    )
    op.create_index("ix_articles_state_visibility", "articles", ["state", "visibility"])
    op.execute(f"ALTER TABLE articles ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS ({ARTICLE_TSV}) STORED")
    op.execute("CREATE INDEX ix_articles_search_tsv ON articles USING gin (search_tsv)")
    if _has_trgm():  # as ux_0001: where the server has pg_trgm; elsewhere typos are not forgiven
        op.execute("CREATE INDEX ix_articles_title_trgm ON articles USING gin (title gin_trgm_ops)")
    op.create_table(
        "article_deflections",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("channel", sa.String(12), nullable=False),
        sa.Column("requester_id", sa.Integer, sa.ForeignKey("requesters.id", ondelete="SET NULL")),
        sa.CheckConstraint("channel IN ('portal', 'telegram')", name=op.f("ck_article_deflections_channel")),
    )
    op.create_index("ix_article_deflections_article_id", "article_deflections", ["article_id"])


def downgrade() -> None:
    op.drop_table("article_deflections")
    op.drop_table("articles")
