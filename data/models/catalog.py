"""The service catalog: services, request types with their forms, priorities, reply templates."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from data.db import Base
from data.limits import DB_MAX
from data.models._types import max_chars, now_column


class Priority(Base):
    """An ordered, coloured priority; rank 1 is the most urgent."""

    __tablename__ = "priorities"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    name_ru: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(60))
    rank: Mapped[int] = mapped_column(Integer, unique=True)
    color: Mapped[str] = mapped_column(String(9), default="#6c757d")

    def label(self, locale: str) -> str:
        return self.name_ru if locale == "ru" else self.name_en


class Service(Base):
    """What requesters ask for (IT support, HR, Legal...), and where its requests land."""

    __tablename__ = "services"
    __table_args__ = (CheckConstraint(max_chars("description", DB_MAX["text"]), name="description_size"),
                      CheckConstraint(max_chars("auto_reply_template", DB_MAX["text"]), name="auto_reply_size"))
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    board_id: Mapped[int | None] = mapped_column(ForeignKey("boards.id", ondelete="SET NULL"))
    column_id: Mapped[int | None] = mapped_column(ForeignKey("board_columns.id", ondelete="SET NULL"))
    lane_id: Mapped[int | None] = mapped_column(ForeignKey("lanes.id", ondelete="SET NULL"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    allowed_domains: Mapped[list[str]] = mapped_column(ARRAY(String(253)), default=list, server_default="{}")
    # e.g. {"on_status_change": true, "on_public_reply": true}
    notify: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")
    auto_reply_template: Mapped[str | None] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = now_column()


class RequestType(Base):
    """A kind of request within a service, with its form, checklist, routing and child cards.

    field_schema: [{"key", "type", "label", "help", "required", "options", "show_when"}]
        type: text | textarea | number | date | select | multiselect | checkbox | file
        show_when: {"field": key, "equals": v} (or "not_equals": v, or "in": [...]); hidden → not required, dropped
    checklist: [{"text", "required_on_submit"}]
    routing: {"assign": "none|fixed|round_robin|least_loaded", "user_id", "team_id",
              optional "board_id"/"column_id"/"lane_id"/"priority_id" overrides,
              "rules": [{"field", "equals" | "in", "card_type", "assignee_id", "team_id", "assign",
                         "board_id", "column_id", "lane_id", "priority_id"}]}  (first match wins; data/intake/routing.py)
    children: [{"board_id", "column_id"?, "title" ("{field key}", "{number}", "{title}" filled in), "card_type",
                "checklist": [{"text", "required_on_submit"}] or ["text"], "assignee_id"?,
                "team_id"? + "assign"?}], children_mode: parallel | chain  (data/intake/fanout.py)
    """

    __tablename__ = "request_types"
    __table_args__ = (UniqueConstraint("service_id", "code"),
                      CheckConstraint(max_chars("description", DB_MAX["text"]), name="description_size"))
    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    card_type: Mapped[str | None] = mapped_column(String(60))
    field_schema: Mapped[list] = mapped_column(JSONB, default=list, server_default="[]")
    checklist: Mapped[list] = mapped_column(JSONB, default=list, server_default="[]")
    default_priority_id: Mapped[int | None] = mapped_column(ForeignKey("priorities.id", ondelete="SET NULL"))
    routing: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")
    children: Mapped[list] = mapped_column(JSONB, default=list, server_default="[]")
    children_mode: Mapped[str] = mapped_column(String(10), default="parallel", server_default="parallel")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Approval before work starts (data/approvals/config.py): {"steps": [{"kind", "ref", "mode"}]}; {} = none.
    approval: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")


class ReplyTemplate(Base):
    """A canned reply with placeholders {requester}, {number}, {agent}."""

    __tablename__ = "reply_templates"
    __table_args__ = (CheckConstraint(max_chars("body", DB_MAX["text"]), name="body_size"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(5), default="ru", server_default="ru")
