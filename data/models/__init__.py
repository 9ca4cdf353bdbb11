"""Typed SQLAlchemy models. One module per part of the domain; import them all from here."""
from ..db import Base
from .people import ROLES, Requester, RequesterIdentity, Team, User
from .catalog import Priority, RequestType, Service, ReplyTemplate
from .boards import Board, BoardColumn, COLUMN_KINDS, Lane, LANE_MODES
from .tickets import CHANNELS, Attachment, ChecklistItem, Comment, EVENT_KINDS, Ticket, TicketEvent
from .messaging import InboundMessage, Notification, Outbox
from .telegram import TelegramDraft
from .portal import ColumnFanout, IntegrationToken, PortalPin, RoutingCursor
from .sla import (BusinessCalendar, RULE_TRIGGERS, Rule, RuleLog, SLA_STATES, SLA_TARGETS, SlaPolicy,
                  TicketSla)
from .analytics import AnalyticsDaily, AnalyticsState
from .mailboxes import AFTER_PROCESSING, MAILBOX_KINDS, Mailbox, TicketParticipant
from .reports import ExportJob, SavedExport, WeeklyDelivery, WeeklySubscription

__all__ = [
    "Base", "ROLES", "Requester", "RequesterIdentity", "Team", "User", "Priority", "RequestType",
    "Service", "ReplyTemplate", "Board", "BoardColumn", "COLUMN_KINDS", "Lane", "LANE_MODES",
    "CHANNELS", "Attachment", "ChecklistItem", "Comment", "EVENT_KINDS", "Ticket", "TicketEvent",
    "InboundMessage", "Notification", "Outbox", "TelegramDraft", "ColumnFanout", "IntegrationToken", "PortalPin",
    "RoutingCursor", "BusinessCalendar", "RULE_TRIGGERS", "Rule", "RuleLog", "SLA_STATES", "SLA_TARGETS", "SlaPolicy",
    "TicketSla", "AnalyticsDaily", "AnalyticsState", "AFTER_PROCESSING", "MAILBOX_KINDS", "Mailbox",
    "TicketParticipant",
    "TicketSla", "AnalyticsDaily", "AnalyticsState",
    "ExportJob", "SavedExport", "WeeklyDelivery", "WeeklySubscription",
]
