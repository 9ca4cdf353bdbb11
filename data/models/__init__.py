"""Typed SQLAlchemy models. One module per part of the domain; import them all from here."""
from data.db import Base
from data.models.people import ROLES, Requester, RequesterIdentity, Team, User
from data.models.catalog import Priority, RequestType, Service, ReplyTemplate
from data.models.boards import Board, BoardColumn, COLUMN_KINDS, COLUMN_OUTCOMES, Lane, LANE_MODES
from data.models.tickets import CHANNELS, Attachment, ChecklistItem, Comment, EVENT_KINDS, Ticket, TicketEvent
from data.models.messaging import InboundMessage, Notification, Outbox
from data.models.telegram import TelegramDraft
from data.models.portal import ColumnFanout, IntegrationToken, PortalPin, RoutingCursor
from data.models.sla import BusinessCalendar, ProductionDay, ProductionYear, RULE_TRIGGERS, Rule, RuleLog, SLA_STATES, SLA_TARGETS, SlaPolicy, TicketSla
from data.models.analytics import (AnalyticsCsat, AnalyticsCsatCoarse, AnalyticsDaily, AnalyticsDist, AnalyticsFlow, AnalyticsFlowCoarse, AnalyticsMonthly,
                                   AnalyticsSle, AnalyticsSleMonth, AnalyticsState, AnalyticsTicket)
from data.models.mailboxes import AFTER_PROCESSING, MAILBOX_KINDS, BlockedSender, Mailbox, TicketParticipant
from data.models.signin import LoginThrottle, PinFailure
from data.models.reports import ExportJob, SavedExport, WeeklyDelivery, WeeklySubscription
from data.models.audit import AuditEntry
from data.models.directory import DirectoryAccount, DirectoryGroup
from data.models.recurring import RecurringRequest, RecurringRun
from data.models.tokens import PersonalToken
from data.models.kb import ARTICLE_STATES, Article, ArticleDeflection, DEFLECTION_CHANNELS, VISIBILITIES
from data.models.csat import Rating
from data.models.approvals import APPROVAL_STATES, ApprovalFlow, TicketApproval
from data.models.views import VIEW_PAGES, SavedView

__all__ = [
    "Base", "ROLES", "Requester", "RequesterIdentity", "Team", "User", "Priority", "RequestType",
    "Service", "ReplyTemplate", "Board", "BoardColumn", "COLUMN_KINDS", "COLUMN_OUTCOMES", "Lane", "LANE_MODES",
    "CHANNELS", "Attachment", "ChecklistItem", "Comment", "EVENT_KINDS", "Ticket", "TicketEvent",
    "InboundMessage", "Notification", "Outbox", "TelegramDraft", "ColumnFanout", "IntegrationToken", "PortalPin",
    "RoutingCursor", "BusinessCalendar", "ProductionDay", "ProductionYear", "RULE_TRIGGERS", "Rule", "RuleLog", "SLA_STATES", "SLA_TARGETS", "SlaPolicy",
    "TicketSla", "AnalyticsCsat", "AnalyticsCsatCoarse", "AnalyticsDaily", "AnalyticsDist", "AnalyticsFlow", "AnalyticsFlowCoarse", "AnalyticsMonthly",
    "AnalyticsSle", "AnalyticsSleMonth", "AnalyticsState", "AnalyticsTicket", "AFTER_PROCESSING", "MAILBOX_KINDS", "Mailbox",
    "TicketParticipant", "BlockedSender",
    "TicketSla", "AnalyticsDaily", "AnalyticsDist", "AnalyticsState",
    "ExportJob", "SavedExport", "WeeklyDelivery", "WeeklySubscription",
    "AuditEntry",
    "DirectoryAccount", "DirectoryGroup",
    "RecurringRequest", "RecurringRun",
    "PersonalToken",
    "ARTICLE_STATES", "Article", "ArticleDeflection", "DEFLECTION_CHANNELS", "VISIBILITIES",
    "Rating",
    "APPROVAL_STATES", "ApprovalFlow", "TicketApproval",
    "VIEW_PAGES", "SavedView",
]
