"""weekly: saved exports, export jobs (progress), weekly summary subscriptions and deliveries

Revision ID: weekly_0001
Revises: email_0001
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
revision = 'weekly_0001'
down_revision = 'email_0001'  # was '0001': a branch of its own until the branches became one line
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('export_jobs',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=60), nullable=False),
    sa.Column('format', sa.String(length=5), nullable=False),
    sa.Column('filter', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('columns', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('state', sa.String(length=8), server_default='queued', nullable=False),
    sa.Column('rows_total', sa.BigInteger(), nullable=True),
    sa.Column('rows_done', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("format IN ('csv', 'xlsx')", name=op.f('ck_export_jobs_format')),
    sa.CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_export_jobs_state')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_export_jobs_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_export_jobs'))
    )
    op.create_index('ix_export_jobs_user_created', 'export_jobs', ['user_id', 'created_at'], unique=False)
    op.create_table('saved_exports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('filter', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('columns', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('format', sa.String(length=5), server_default='csv', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("format IN ('csv', 'xlsx')", name=op.f('ck_saved_exports_format')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_saved_exports_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_exports')),
    sa.UniqueConstraint('user_id', 'name', name=op.f('uq_saved_exports_user_id_name'))
    )
    op.create_table('weekly_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('team_ids', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('by_email', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('by_telegram', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('telegram_chat_id', sa.String(length=40), nullable=True),
    sa.Column('locale', sa.String(length=2), server_default='ru', nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("locale IN ('ru', 'en')", name=op.f('ck_weekly_subscriptions_locale')),
    sa.CheckConstraint('by_email OR by_telegram', name=op.f('ck_weekly_subscriptions_some_channel')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_weekly_subscriptions_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_weekly_subscriptions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_weekly_subscriptions'))
    )
    op.create_index(op.f('ix_weekly_subscriptions_user_id'), 'weekly_subscriptions', ['user_id'], unique=False)
    op.create_table('weekly_deliveries',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('week', sa.String(length=8), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=True),
    sa.Column('outbox_id', sa.BigInteger(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('manual', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("channel IN ('email', 'telegram')", name=op.f('ck_weekly_deliveries_channel')),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox.id'], name=op.f('fk_weekly_deliveries_outbox_id_outbox'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['subscription_id'], ['weekly_subscriptions.id'], name=op.f('fk_weekly_deliveries_subscription_id_weekly_subscriptions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_weekly_deliveries'))
    )
    # Scheduled sends are once per subscription, week and channel; manual sends may repeat.
    op.create_index('uq_weekly_deliveries_scheduled', 'weekly_deliveries', ['subscription_id', 'week', 'channel'],
                    unique=True, postgresql_where=sa.text('NOT manual'))


def downgrade() -> None:
    op.drop_index('uq_weekly_deliveries_scheduled', table_name='weekly_deliveries')
    op.drop_table('weekly_deliveries')
    op.drop_index(op.f('ix_weekly_subscriptions_user_id'), table_name='weekly_subscriptions')
    op.drop_table('weekly_subscriptions')
    op.drop_table('saved_exports')
    op.drop_index('ix_export_jobs_user_created', table_name='export_jobs')
    op.drop_table('export_jobs')
