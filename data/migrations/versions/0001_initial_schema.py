"""initial schema

Revision ID: 0001
Revises: 
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The ticket number sequence starts at 1001.
    op.execute("CREATE SEQUENCE IF NOT EXISTS ticket_number_seq START 1001")
    op.create_table('priorities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('name_ru', sa.String(length=60), nullable=False),
    sa.Column('name_en', sa.String(length=60), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('color', sa.String(length=9), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_priorities')),
    sa.UniqueConstraint('code', name=op.f('uq_priorities_code')),
    sa.UniqueConstraint('rank', name=op.f('uq_priorities_rank'))
    )
    op.create_table('requesters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('organisation', sa.String(length=200), nullable=True),
    sa.Column('locale', sa.String(length=5), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_requesters'))
    )
    op.create_index(op.f('ix_requesters_email'), 'requesters', ['email'], unique=False)
    op.create_table('teams',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('line_level', sa.Integer(), nullable=True),
    sa.Column('lead_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['lead_id'], ['users.id'], name=op.f('fk_teams_lead_id_users'), ondelete='SET NULL', use_alter=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_teams')),
    sa.UniqueConstraint('name', name=op.f('uq_teams_name'))
    )
    op.create_table('boards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('lane_mode', sa.String(length=10), server_default='none', nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('revision', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("lane_mode IN ('none', 'agent', 'line', 'unit')", name=op.f('ck_boards_lane_mode')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_boards_team_id_teams'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_boards'))
    )
    op.create_table('requester_identities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requester_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('display', sa.Text(), nullable=True),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("channel IN ('email', 'telegram')", name=op.f('ck_requester_identities_channel')),
    sa.ForeignKeyConstraint(['requester_id'], ['requesters.id'], name=op.f('fk_requester_identities_requester_id_requesters'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_requester_identities')),
    sa.UniqueConstraint('channel', 'address', name=op.f('uq_requester_identities_channel_address'))
    )
    op.create_index(op.f('ix_requester_identities_requester_id'), 'requester_identities', ['requester_id'], unique=False)
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=300), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('locale', sa.String(length=5), nullable=True),
    sa.Column('is_active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('notify_channel', sa.String(length=10), server_default='app', nullable=False),
    sa.Column('telegram_chat_id', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("notify_channel IN ('app', 'email', 'telegram')", name=op.f('ck_users_notify_channel')),
    sa.CheckConstraint("role IN ('admin', 'manager', 'agent', 'analyst', 'director')", name=op.f('ck_users_role')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_users_team_id_teams'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    op.create_index(op.f('ix_users_team_id'), 'users', ['team_id'], unique=False)
    op.create_table('board_columns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('board_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('wip_limit', sa.Integer(), nullable=True),
    sa.Column('wip_hard', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('time_limit_minutes', sa.Integer(), nullable=True),
    sa.Column('requester_status', sa.String(length=120), nullable=True),
    sa.Column('revision', sa.BigInteger(), server_default='0', nullable=False),
    sa.CheckConstraint("kind IN ('queue', 'in_progress', 'waiting', 'done')", name=op.f('ck_board_columns_kind')),
    sa.CheckConstraint('wip_limit IS NULL OR wip_limit > 0', name=op.f('ck_board_columns_wip_positive')),
    sa.ForeignKeyConstraint(['board_id'], ['boards.id'], name=op.f('fk_board_columns_board_id_boards'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_board_columns')),
    sa.UniqueConstraint('board_id', 'position', name=op.f('uq_board_columns_board_id_position'))
    )
    op.create_index(op.f('ix_board_columns_board_id'), 'board_columns', ['board_id'], unique=False)
    op.create_table('lanes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('board_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('wip_limit', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['board_id'], ['boards.id'], name=op.f('fk_lanes_board_id_boards'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_lanes_owner_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_lanes_team_id_teams'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_lanes_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lanes')),
    sa.UniqueConstraint('board_id', 'position', name=op.f('uq_lanes_board_id_position'))
    )
    op.create_index(op.f('ix_lanes_board_id'), 'lanes', ['board_id'], unique=False)
    op.create_table('services',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('board_id', sa.Integer(), nullable=True),
    sa.Column('column_id', sa.Integer(), nullable=True),
    sa.Column('lane_id', sa.Integer(), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('allowed_domains', postgresql.ARRAY(sa.String(length=253)), server_default='{}', nullable=False),
    sa.Column('notify', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('auto_reply_template', sa.Text(), nullable=True),
    sa.Column('is_active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('position', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['board_id'], ['boards.id'], name=op.f('fk_services_board_id_boards'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['column_id'], ['board_columns.id'], name=op.f('fk_services_column_id_board_columns'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['lane_id'], ['lanes.id'], name=op.f('fk_services_lane_id_lanes'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_services_team_id_teams'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_services')),
    sa.UniqueConstraint('code', name=op.f('uq_services_code'))
    )
    op.create_table('reply_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=True),
    sa.Column('locale', sa.String(length=5), server_default='ru', nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_reply_templates_service_id_services'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reply_templates'))
    )
    op.create_table('request_types',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('card_type', sa.String(length=60), nullable=True),
    sa.Column('field_schema', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('checklist', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('default_priority_id', sa.Integer(), nullable=True),
    sa.Column('routing', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('children', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('children_mode', sa.String(length=10), server_default='parallel', nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('position', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['default_priority_id'], ['priorities.id'], name=op.f('fk_request_types_default_priority_id_priorities'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_request_types_service_id_services'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_request_types')),
    sa.UniqueConstraint('service_id', 'code', name=op.f('uq_request_types_service_id_code'))
    )
    op.create_index(op.f('ix_request_types_service_id'), 'request_types', ['service_id'], unique=False)
    op.create_table('tickets',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('number', sa.BigInteger(), server_default=sa.text("nextval('ticket_number_seq')"), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('description_html', sa.Text(), nullable=True),
    sa.Column('service_id', sa.Integer(), nullable=True),
    sa.Column('request_type_id', sa.Integer(), nullable=True),
    sa.Column('card_type', sa.String(length=60), nullable=True),
    sa.Column('requester_id', sa.Integer(), nullable=True),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('priority_id', sa.Integer(), nullable=True),
    sa.Column('board_id', sa.Integer(), nullable=False),
    sa.Column('column_id', sa.Integer(), nullable=False),
    sa.Column('lane_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('position', sa.Double(), server_default='0', nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('fields', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('parent_id', sa.BigInteger(), nullable=True),
    sa.Column('blocked', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('blocked_reason', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('column_entered_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_response_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reopened_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('sla_policy_id', sa.Integer(), nullable=True),
    sa.Column('first_response_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolution_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sla_first_response_breached', sa.Boolean(), nullable=True),
    sa.Column('sla_resolution_breached', sa.Boolean(), nullable=True),
    sa.Column('sla_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sla_at_risk_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("channel IN ('email', 'telegram', 'portal', 'api', 'agent')", name=op.f('ck_tickets_channel')),
    sa.CheckConstraint("status IN ('queue', 'in_progress', 'waiting', 'done')", name=op.f('ck_tickets_status')),
    sa.CheckConstraint('parent_id IS NULL OR parent_id <> id', name=op.f('ck_tickets_not_own_parent')),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_tickets_assignee_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['board_id'], ['boards.id'], name=op.f('fk_tickets_board_id_boards')),
    sa.ForeignKeyConstraint(['column_id'], ['board_columns.id'], name=op.f('fk_tickets_column_id_board_columns')),
    sa.ForeignKeyConstraint(['lane_id'], ['lanes.id'], name=op.f('fk_tickets_lane_id_lanes'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['parent_id'], ['tickets.id'], name=op.f('fk_tickets_parent_id_tickets'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['priority_id'], ['priorities.id'], name=op.f('fk_tickets_priority_id_priorities'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['request_type_id'], ['request_types.id'], name=op.f('fk_tickets_request_type_id_request_types'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['requester_id'], ['requesters.id'], name=op.f('fk_tickets_requester_id_requesters'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_tickets_service_id_services'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_tickets_team_id_teams'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tickets')),
    sa.UniqueConstraint('number', name=op.f('uq_tickets_number'))
    )
    op.create_index('ix_tickets_assignee_open', 'tickets', ['assignee_id'], unique=False, postgresql_where=sa.text("status <> 'done'"))
    op.create_index('ix_tickets_board_column', 'tickets', ['board_id', 'column_id', 'position'], unique=False)
    op.create_index('ix_tickets_created', 'tickets', ['created_at'], unique=False)
    op.create_index(op.f('ix_tickets_parent_id'), 'tickets', ['parent_id'], unique=False)
    op.create_index(op.f('ix_tickets_requester_id'), 'tickets', ['requester_id'], unique=False)
    op.create_index('ix_tickets_resolved', 'tickets', ['resolved_at'], unique=False, postgresql_where=sa.text('resolved_at IS NOT NULL'))
    # Text search in the ticket list uses a trigram index where the server has pg_trgm (Debian's
    # PostgreSQL does; the embedded pgserver build doesn't, and searching there scans instead).
    if op.get_bind().exec_driver_sql("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'").first():
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_tickets_search ON tickets USING gin (lower(title) gin_trgm_ops)")
    op.create_index('ix_tickets_service_created', 'tickets', ['service_id', 'created_at'], unique=False)
    op.create_table('checklist_items',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('ticket_id', sa.BigInteger(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('required', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('done', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['done_by_id'], ['users.id'], name=op.f('fk_checklist_items_done_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_checklist_items_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklist_items'))
    )
    op.create_index(op.f('ix_checklist_items_ticket_id'), 'checklist_items', ['ticket_id'], unique=False)
    op.create_table('comments',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('ticket_id', sa.BigInteger(), nullable=False),
    sa.Column('author_user_id', sa.Integer(), nullable=True),
    sa.Column('author_requester_id', sa.Integer(), nullable=True),
    sa.Column('is_public', sa.Boolean(), nullable=False),
    sa.Column('is_system', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=True),
    sa.Column('channel', sa.String(length=10), server_default='agent', nullable=False),
    sa.Column('external_id', sa.String(length=500), nullable=True),
    sa.Column('from_unknown_sender', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('delivery_state', sa.String(length=8), server_default='none', nullable=False),
    sa.Column('delivery_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("delivery_state IN ('none', 'queued', 'sent', 'failed')", name=op.f('ck_comments_delivery_state')),
    sa.CheckConstraint('(author_user_id IS NULL) <> (author_requester_id IS NULL) OR is_system', name=op.f('ck_comments_one_author')),
    sa.ForeignKeyConstraint(['author_requester_id'], ['requesters.id'], name=op.f('fk_comments_author_requester_id_requesters'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['author_user_id'], ['users.id'], name=op.f('fk_comments_author_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_comments_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comments')),
    sa.UniqueConstraint('channel', 'external_id', name=op.f('uq_comments_channel_external_id'))
    )
    op.create_index('ix_comments_ticket_created', 'comments', ['ticket_id', 'created_at'], unique=False)
    op.create_table('notifications',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.BigInteger(), nullable=True),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('is_read', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_notifications_ticket_id_tickets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    op.create_index('ix_notifications_user_unread', 'notifications', ['user_id'], unique=False, postgresql_where=sa.text('NOT is_read'))
    op.create_table('ticket_events',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('ticket_id', sa.BigInteger(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('actor_requester_id', sa.Integer(), nullable=True),
    sa.Column('board_id', sa.Integer(), nullable=True),
    sa.Column('from_column_id', sa.Integer(), nullable=True),
    sa.Column('to_column_id', sa.Integer(), nullable=True),
    sa.Column('from_lane_id', sa.Integer(), nullable=True),
    sa.Column('to_lane_id', sa.Integer(), nullable=True),
    sa.Column('from_status', sa.String(length=12), nullable=True),
    sa.Column('to_status', sa.String(length=12), nullable=True),
    sa.Column('from_user_id', sa.Integer(), nullable=True),
    sa.Column('to_user_id', sa.Integer(), nullable=True),
    sa.Column('from_value', sa.Text(), nullable=True),
    sa.Column('to_value', sa.Text(), nullable=True),
    sa.Column('data', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.CheckConstraint("kind IN ('created', 'moved', 'assigned', 'priority', 'field', 'blocked', 'unblocked', 'comment', 'checklist', 'escalated', 'type', 'sla')", name=op.f('ck_ticket_events_kind')),
    sa.ForeignKeyConstraint(['actor_requester_id'], ['requesters.id'], name=op.f('fk_ticket_events_actor_requester_id_requesters'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_ticket_events_actor_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_events_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_events'))
    )
    op.create_index('ix_ticket_events_kind_at', 'ticket_events', ['kind', 'at'], unique=False)
    op.create_index('ix_ticket_events_ticket_at', 'ticket_events', ['ticket_id', 'at'], unique=False)
    op.create_table('attachments',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('ticket_id', sa.BigInteger(), nullable=False),
    sa.Column('comment_id', sa.BigInteger(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_attachments_comment_id_comments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_attachments_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments'))
    )
    op.create_index(op.f('ix_attachments_ticket_id'), 'attachments', ['ticket_id'], unique=False)
    op.create_table('inbound_messages',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('external_id', sa.String(length=500), nullable=False),
    sa.Column('raw', sa.LargeBinary(), nullable=False),
    sa.Column('state', sa.String(length=10), server_default='received', nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('ticket_id', sa.BigInteger(), nullable=True),
    sa.Column('comment_id', sa.BigInteger(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('received', 'processed', 'failed', 'skipped')", name=op.f('ck_inbound_messages_state')),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_inbound_messages_comment_id_comments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_inbound_messages_ticket_id_tickets'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_messages')),
    sa.UniqueConstraint('channel', 'source', 'external_id', name=op.f('uq_inbound_messages_channel_source_external_id'))
    )
    op.create_index('ix_inbound_messages_failed', 'inbound_messages', ['state'], unique=False, postgresql_where=sa.text("state = 'failed'"))
    op.create_table('outbox',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.Text(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('ticket_id', sa.BigInteger(), nullable=True),
    sa.Column('comment_id', sa.BigInteger(), nullable=True),
    sa.Column('state', sa.String(length=8), server_default='queued', nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('external_id', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("channel IN ('email', 'telegram')", name=op.f('ck_outbox_channel')),
    sa.CheckConstraint("state IN ('queued', 'sent', 'failed')", name=op.f('ck_outbox_state')),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_outbox_comment_id_comments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_outbox_ticket_id_tickets'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox'))
    )
    op.create_index('ix_outbox_due', 'outbox', ['channel', 'next_attempt_at'], unique=False, postgresql_where=sa.text("state = 'queued'"))
    op.create_index(op.f('ix_outbox_ticket_id'), 'outbox', ['ticket_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_outbox_ticket_id'), table_name='outbox')
    op.drop_index('ix_outbox_due', table_name='outbox', postgresql_where=sa.text("state = 'queued'"))
    op.drop_table('outbox')
    op.drop_index('ix_inbound_messages_failed', table_name='inbound_messages', postgresql_where=sa.text("state = 'failed'"))
    op.drop_table('inbound_messages')
    op.drop_index(op.f('ix_attachments_ticket_id'), table_name='attachments')
    op.drop_table('attachments')
    op.drop_index('ix_ticket_events_ticket_at', table_name='ticket_events')
    op.drop_index('ix_ticket_events_kind_at', table_name='ticket_events')
    op.drop_table('ticket_events')
    op.drop_index('ix_notifications_user_unread', table_name='notifications', postgresql_where=sa.text('NOT is_read'))
    op.drop_table('notifications')
    op.drop_index('ix_comments_ticket_created', table_name='comments')
    op.drop_table('comments')
    op.drop_index(op.f('ix_checklist_items_ticket_id'), table_name='checklist_items')
    op.drop_table('checklist_items')
    op.drop_index('ix_tickets_service_created', table_name='tickets')
    op.execute("DROP INDEX IF EXISTS ix_tickets_search")
    op.drop_index('ix_tickets_resolved', table_name='tickets', postgresql_where=sa.text('resolved_at IS NOT NULL'))
    op.drop_index(op.f('ix_tickets_requester_id'), table_name='tickets')
    op.drop_index(op.f('ix_tickets_parent_id'), table_name='tickets')
    op.drop_index('ix_tickets_created', table_name='tickets')
    op.drop_index('ix_tickets_board_column', table_name='tickets')
    op.drop_index('ix_tickets_assignee_open', table_name='tickets', postgresql_where=sa.text("status <> 'done'"))
    op.drop_table('tickets')
    op.drop_index(op.f('ix_request_types_service_id'), table_name='request_types')
    op.drop_table('request_types')
    op.drop_table('reply_templates')
    op.drop_table('services')
    op.drop_index(op.f('ix_lanes_board_id'), table_name='lanes')
    op.drop_table('lanes')
    op.drop_index(op.f('ix_board_columns_board_id'), table_name='board_columns')
    op.drop_table('board_columns')
    op.drop_index(op.f('ix_users_team_id'), table_name='users')
    op.drop_table('users')
    op.drop_index(op.f('ix_requester_identities_requester_id'), table_name='requester_identities')
    op.drop_table('requester_identities')
    op.drop_table('boards')
    op.drop_table('teams')
    op.drop_index(op.f('ix_requesters_email'), table_name='requesters')
    op.drop_table('requesters')
    op.drop_table('priorities')
