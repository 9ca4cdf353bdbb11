"""sla calendars policies rules

Revision ID: sla_0001
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from data.config import get_config

revision = 'sla_0001'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('business_calendars',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('timezone', sa.String(length=60), nullable=False),
    sa.Column('hours', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('holidays', postgresql.ARRAY(sa.Date()), server_default='{}', nullable=False),
    sa.Column('extra_days', postgresql.ARRAY(sa.Date()), server_default='{}', nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_business_calendars')),
    sa.UniqueConstraint('name', name=op.f('uq_business_calendars_name'))
    )
    op.create_table('rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), server_default='0', nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('trigger', sa.String(length=20), nullable=False),
    sa.Column('trigger_options', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('conditions', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('actions', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('fire_count', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('last_fired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("trigger IN ('created', 'field_changed', 'moved', 'commented', 'sla_at_risk', 'sla_breached', 'no_activity')", name=op.f('ck_rules_trigger')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rules'))
    )
    op.create_table('sla_policies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), server_default='0', nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('conditions', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('first_response_minutes', sa.Integer(), nullable=True),
    sa.Column('first_response_calendar_id', sa.Integer(), nullable=True),
    sa.Column('next_response_minutes', sa.Integer(), nullable=True),
    sa.Column('next_response_calendar_id', sa.Integer(), nullable=True),
    sa.Column('resolution_minutes', sa.Integer(), nullable=True),
    sa.Column('resolution_calendar_id', sa.Integer(), nullable=True),
    sa.Column('at_risk_share', sa.Double(), server_default='0.2', nullable=False),
    sa.Column('at_risk_minutes', sa.Integer(), server_default='60', nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['first_response_calendar_id'], ['business_calendars.id'], name=op.f('fk_sla_policies_first_response_calendar_id_business_calendars'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['next_response_calendar_id'], ['business_calendars.id'], name=op.f('fk_sla_policies_next_response_calendar_id_business_calendars'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resolution_calendar_id'], ['business_calendars.id'], name=op.f('fk_sla_policies_resolution_calendar_id_business_calendars'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_policies'))
    )
    op.create_table('rule_log',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=True),
    sa.Column('ticket_id', sa.BigInteger(), nullable=True),
    sa.Column('trigger', sa.String(length=20), nullable=False),
    sa.Column('outcome', sa.String(length=12), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("outcome IN ('fired', 'error', 'loop_stopped', 'skipped')", name=op.f('ck_rule_log_outcome')),
    sa.ForeignKeyConstraint(['rule_id'], ['rules.id'], name=op.f('fk_rule_log_rule_id_rules'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_rule_log_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rule_log'))
    )
    op.create_index('ix_rule_log_rule_ticket', 'rule_log', ['rule_id', 'ticket_id', 'at'], unique=False)
    op.create_index(op.f('ix_rule_log_ticket_id'), 'rule_log', ['ticket_id'], unique=False)
    op.create_table('ticket_sla',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('ticket_id', sa.BigInteger(), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=True),
    sa.Column('target', sa.String(length=16), nullable=False),
    sa.Column('cycle', sa.Integer(), nullable=False),
    sa.Column('target_seconds', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('stopped_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('at_risk_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('elapsed_seconds', sa.Double(), nullable=False),
    sa.Column('paused_seconds', sa.Double(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('breached', sa.Boolean(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('at_risk_notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('breach_notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('running', 'paused', 'met', 'breached')", name=op.f('ck_ticket_sla_state')),
    sa.CheckConstraint("target IN ('first_response', 'next_response', 'resolution')", name=op.f('ck_ticket_sla_target')),
    sa.ForeignKeyConstraint(['policy_id'], ['sla_policies.id'], name=op.f('fk_ticket_sla_policy_id_sla_policies'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_sla_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_sla')),
    sa.UniqueConstraint('ticket_id', 'target', 'cycle', name=op.f('uq_ticket_sla_ticket_id_target_cycle'))
    )
    op.create_index('ix_ticket_sla_running_due', 'ticket_sla', ['due_at'], unique=False, postgresql_where=sa.text('stopped_at IS NULL'))
    # A working calendar to start from: Monday to Friday, 9 to 18 in the company time zone.
    op.execute(sa.text("""INSERT INTO business_calendars (name, timezone, hours) VALUES ('Рабочие часы 9–18',
        :tz, '{"mon": [["09:00","18:00"]], "tue": [["09:00","18:00"]], "wed": [["09:00","18:00"]],
        "thu": [["09:00","18:00"]], "fri": [["09:00","18:00"]]}')""").bindparams(tz=get_config().timezone))
    op.create_index('ix_tickets_open_updated', 'tickets', ['updated_at'], unique=False,
                    postgresql_where=sa.text("status <> 'done'"))
    op.create_index('ix_ticket_sla_running_risk', 'ticket_sla', ['at_risk_at'], unique=False, postgresql_where=sa.text('stopped_at IS NULL'))


def downgrade() -> None:
    op.drop_index('ix_tickets_open_updated', table_name='tickets')
    op.drop_index('ix_ticket_sla_running_risk', table_name='ticket_sla', postgresql_where=sa.text('stopped_at IS NULL'))
    op.drop_index('ix_ticket_sla_running_due', table_name='ticket_sla', postgresql_where=sa.text('stopped_at IS NULL'))
    op.drop_table('ticket_sla')
    op.drop_index(op.f('ix_rule_log_ticket_id'), table_name='rule_log')
    op.drop_index('ix_rule_log_rule_ticket', table_name='rule_log')
    op.drop_table('rule_log')
    op.drop_table('sla_policies')
    op.drop_table('rules')
    op.drop_table('business_calendars')
