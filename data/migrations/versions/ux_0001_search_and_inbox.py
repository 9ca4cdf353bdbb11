"""ux: full-text search columns (tickets, comments) kept by PostgreSQL, subject words for typos, requester trigram indexes, the bell's list index

The tsvector columns are GENERATED ... STORED: every write path (ORM, COPY, bulk SQL, the demo loader)
keeps them current without a trigger. The `russian` configuration also stems Latin-script words, with
the English stemmer (PostgreSQL maps ASCII words to english_stem in it), so one column serves both languages.

Revision ID: ux_0001
Revises: mail_0001
"""
from alembic import op

revision = "ux_0001"
down_revision = "mail_0001"
branch_labels = None
depends_on = None

TICKET_TSV = ("setweight(to_tsvector('russian'::regconfig, coalesce(title, '')), 'A') || "
              "setweight(to_tsvector('russian'::regconfig, coalesce(description, '')), 'B') || "
              "setweight(jsonb_to_tsvector('russian'::regconfig, coalesce(fields, '{}'::jsonb), "
              "'[\"string\", \"numeric\"]'::jsonb), 'C')")
COMMENT_TSV = "to_tsvector('russian'::regconfig, coalesce(body, ''))"


def _has_trgm() -> bool:
    return op.get_bind().exec_driver_sql("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'").first() is not None


# Words of ticket subjects, for "did you mean": a typo is matched against this short list (trigram
# similarity) and the search runs again with the words found. Kept by a trigger, so every write adds its words.
WORDS_TRIGGER = """
CREATE FUNCTION okno_search_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_LEVEL = 'ROW' THEN
        INSERT INTO search_words (word)
        SELECT DISTINCT lexeme FROM unnest(to_tsvector('simple'::regconfig, coalesce(NEW.title, '')))
        WHERE length(lexeme) BETWEEN 3 AND 40
        ON CONFLICT DO NOTHING;
    ELSE
        INSERT INTO search_words (word)
        SELECT DISTINCT lexeme FROM new_rows, unnest(to_tsvector('simple'::regconfig, coalesce(new_rows.title, '')))
        WHERE length(lexeme) BETWEEN 3 AND 40
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
-- Inserts per statement, over the rows it wrote: a COPY of a million tickets runs it once, not a million times.
CREATE TRIGGER tickets_search_words_insert AFTER INSERT ON tickets
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION okno_search_words();
-- Updates only when the subject is written (moves and SLA updates don't touch it).
CREATE TRIGGER tickets_search_words_update AFTER UPDATE OF title ON tickets
    FOR EACH ROW EXECUTE FUNCTION okno_search_words();
"""


def upgrade() -> None:
    op.execute(f"ALTER TABLE tickets ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS ({TICKET_TSV}) STORED")
    op.execute("CREATE INDEX ix_tickets_search_tsv ON tickets USING gin (search_tsv)")
    op.execute(f"ALTER TABLE comments ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS ({COMMENT_TSV}) STORED")
    op.execute("CREATE INDEX ix_comments_search_tsv ON comments USING gin (search_tsv)")
    op.execute("CREATE TABLE search_words (word text PRIMARY KEY)")
    op.execute("INSERT INTO search_words (word) SELECT word FROM ts_stat("
               "'SELECT to_tsvector(''simple''::regconfig, title) FROM tickets') WHERE length(word) BETWEEN 3 AND 40")
    op.execute(WORDS_TRIGGER)
    if _has_trgm():  # as migration 0001: where the server has pg_trgm; elsewhere the search scans requesters
        op.execute("CREATE INDEX ix_search_words_trgm ON search_words USING gin (word gin_trgm_ops)")
        op.execute("CREATE INDEX ix_requesters_name_trgm ON requesters USING gin (lower(name) gin_trgm_ops)")
        op.execute("CREATE INDEX ix_requesters_email_trgm ON requesters USING gin (lower(email) gin_trgm_ops)")
    op.create_index("ix_notifications_user_recent", "notifications", ["user_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_notifications_user_recent", table_name="notifications")
    op.execute("DROP INDEX IF EXISTS ix_requesters_email_trgm")
    op.execute("DROP INDEX IF EXISTS ix_requesters_name_trgm")
    op.execute("DROP TRIGGER IF EXISTS tickets_search_words_insert ON tickets")
    op.execute("DROP TRIGGER IF EXISTS tickets_search_words_update ON tickets")
    op.execute("DROP FUNCTION IF EXISTS okno_search_words()")
    op.execute("DROP TABLE IF EXISTS search_words")
    op.execute("ALTER TABLE comments DROP COLUMN search_tsv")
    op.execute("ALTER TABLE tickets DROP COLUMN search_tsv")
