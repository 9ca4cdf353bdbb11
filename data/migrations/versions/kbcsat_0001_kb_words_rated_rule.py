"""kb words and the "rated" rule trigger: the distinct words of every article (title and text) in `kb_words`,
kept by a trigger, with a trigram index, so a typo is corrected against a short list of words instead of
comparing it with every article (issue #16); rules get the trigger "rated", and the low-rating notice that
data/csat/rate.py used to send itself becomes a default rule an admin can change or switch off.

Same design as ux_0001's `search_words` for ticket subjects: words of the `simple` configuration (lower case,
unstemmed), 3–40 characters, inserted per statement (a COPY of 100,000 articles runs it once).

Revision ID: kbcsat_0001
Revises: a11y_0001
"""
import json

from alembic import op
import sqlalchemy as sa

revision = "kbcsat_0001"
down_revision = "approvals_0001"
branch_labels = None
depends_on = None

OLD_TRIGGERS = "('created', 'field_changed', 'moved', 'commented', 'sla_at_risk', 'sla_breached', 'no_activity')"
NEW_TRIGGERS = ("('created', 'field_changed', 'moved', 'commented', 'sla_at_risk', 'sla_breached', 'no_activity', "
                "'rated')")
WORDS = "to_tsvector('simple'::regconfig, coalesce({r}.title, '') || ' ' || left(coalesce({r}.body, ''), 100000))"
WORDS_TRIGGER = f"""
CREATE FUNCTION okno_kb_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_LEVEL = 'ROW' THEN
        INSERT INTO kb_words (word)
        SELECT DISTINCT lexeme FROM unnest({WORDS.format(r="NEW")})
        WHERE length(lexeme) BETWEEN 3 AND 40
        ON CONFLICT DO NOTHING;
    ELSE
        INSERT INTO kb_words (word)
        SELECT DISTINCT lexeme FROM new_rows, unnest({WORDS.format(r="new_rows")})
        WHERE length(lexeme) BETWEEN 3 AND 40
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER articles_kb_words_insert AFTER INSERT ON articles
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION okno_kb_words();
CREATE TRIGGER articles_kb_words_update AFTER UPDATE OF title, body ON articles
    FOR EACH ROW EXECUTE FUNCTION okno_kb_words();
"""
LOW_RATING_RULE = {"name": "Низкая оценка → руководителю команды / Low rating → team lead", "trigger": "rated",
                   "trigger_options": {"max_score": 2}, "actions": [{"type": "notify_team_lead"}]}


def _has_trgm() -> bool:
    return op.get_bind().exec_driver_sql("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'").first() is not None


def upgrade() -> None:
    op.execute("CREATE TABLE kb_words (word text PRIMARY KEY)")
    op.execute("INSERT INTO kb_words (word) SELECT word FROM ts_stat('SELECT "
               + WORDS.format(r="articles").replace("'", "''") + " FROM articles') WHERE length(word) BETWEEN 3 AND 40")
    op.execute(WORDS_TRIGGER)
    if _has_trgm():
        op.execute("CREATE INDEX ix_kb_words_trgm ON kb_words USING gin (word gin_trgm_ops)")
    op.drop_constraint(op.f("ck_rules_trigger"), "rules", type_="check")
    op.create_check_constraint(op.f("ck_rules_trigger"), "rules", f"trigger IN {NEW_TRIGGERS}")
    op.get_bind().execute(
        sa.text("INSERT INTO rules (name, trigger, trigger_options, actions) "
                "VALUES (:name, :trigger, CAST(:options AS jsonb), CAST(:actions AS jsonb))"),
        {"name": LOW_RATING_RULE["name"], "trigger": "rated", "options": json.dumps(LOW_RATING_RULE["trigger_options"]),
         "actions": json.dumps(LOW_RATING_RULE["actions"])})


def downgrade() -> None:
    op.execute("DELETE FROM rules WHERE trigger = 'rated'")
    op.drop_constraint(op.f("ck_rules_trigger"), "rules", type_="check")
    op.create_check_constraint(op.f("ck_rules_trigger"), "rules", f"trigger IN {OLD_TRIGGERS}")
    op.execute("DROP TRIGGER IF EXISTS articles_kb_words_insert ON articles")
    op.execute("DROP TRIGGER IF EXISTS articles_kb_words_update ON articles")
    op.execute("DROP FUNCTION IF EXISTS okno_kb_words()")
    op.execute("DROP TABLE IF EXISTS kb_words")
