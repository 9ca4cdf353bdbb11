"""Writing and reading articles. Staff writers (agents, managers, admins) save, publish and delete, each
change in the audit trail; staff readers read every article; a requester reads only published articles
meant for requesters (anything else is "not found", so drafts don't show they exist)."""
from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from data import audit, permissions
from data.errors import NotFound, Text, ValidationError
from data.i18n import N_
from data.models import Article, Requester, Service, User, VISIBILITIES

WRITE = N_("errors.action.edit_kb")
MAX_TITLE, MAX_BODY, MAX_TAGS = 300, 100_000, 20


def _clean_tags(tags) -> list[str]:
    if isinstance(tags, str):
        tags = tags.split(",")
    seen = []
    for tag in tags or []:
        tag = " ".join(str(tag).split()).lower()[:40]
        if tag and tag not in seen:
            seen.append(tag)
    return seen[:MAX_TAGS]


def _checked(session: Session, title, body, service_id, visibility) -> dict:
    errors = {}
    title = " ".join((title or "").split())
    if not title:
        errors["title"] = Text("form.required")
    elif len(title) > MAX_TITLE:
        errors["title"] = Text("kb.error.title_long", limit=MAX_TITLE)
    if len(body or "") > MAX_BODY:
        errors["body"] = Text("kb.error.body_long", limit=MAX_BODY)
    if visibility not in VISIBILITIES:
        errors["visibility"] = Text("kb.error.visibility")
    if service_id is not None and session.get(Service, service_id) is None:
        errors["service"] = Text("kb.error.service")
    if errors:
        raise ValidationError("kb.error.invalid", errors)
    return {"title": title, "body": body or ""}


def _article(session: Session, article_id: int, lock: bool = False) -> Article:
    stmt = select(Article).where(Article.id == article_id)
    article = session.scalar(stmt.with_for_update() if lock else stmt)
    if article is None:
        raise NotFound("kb.error.not_found")
    return article


def save(session: Session, user, article_id: int | None = None, *, title: str, body: str = "",
         service_id: int | None = None, tags=(), visibility: str = "requesters") -> Article:
    """Create (a draft, authored by `user`) or update an article; returns it."""
    user = permissions.require_staff_writer(user, WRITE)
    values = _checked(session, title, body, service_id, visibility)
    article = _article(session, article_id, lock=True) if article_id else None
    before = audit.snapshot(article) if article else None
    fields = {"title": values["title"], "body": values["body"], "service_id": service_id,
              "tags": _clean_tags(tags), "visibility": visibility}
    if article is not None and all(getattr(article, k) == v for k, v in fields.items()):
        return article  # saved again unchanged (the editor saves before publishing): not an edit
    if article is None:
        article = Article(author_id=user.id, state="draft")
        session.add(article)
    for key, value in fields.items():
        setattr(article, key, value)
    article.updated_at = func.now()
    session.flush()
    session.refresh(article)
    audit.saved(session, user, "article", article, before)
    return article


def publish(session: Session, user, article_id: int, published: bool = True) -> Article:
    """Publish (or take back to draft) an article."""
    user = permissions.require_staff_writer(user, WRITE)
    article = _article(session, article_id, lock=True)
    before = audit.snapshot(article)
    article.state = "published" if published else "draft"
    session.flush()
    audit.saved(session, user, "article", article, before)
    return article


def delete(session: Session, user, article_id: int) -> bool:
    user = permissions.require_staff_writer(user, WRITE)
    return audit.delete(session, user, "article", Article, article_id)


def readable_by_requesters(article: Article) -> bool:
    return article.state == "published" and article.visibility == "requesters"


def get(session: Session, viewer: User | Requester | None, article_id: int, count_view: bool = False) -> Article:
    """The article for a staff reader or a requester; `count_view` adds one to its views when published."""
    if isinstance(viewer, Requester):
        article = _article(session, article_id)
        if not readable_by_requesters(article):
            raise NotFound("kb.error.not_found")
    else:
        permissions.require_reader(viewer)
        article = _article(session, article_id)
    if count_view and article.state == "published":
        # In SQL, so two readers at once both count.
        session.execute(update(Article).where(Article.id == article.id).values(views=Article.views + 1))
    return article


def listing(session: Session, viewer: User | Requester | None, limit: int = 200) -> list[Article]:
    """Every article a viewer may read, the most recently updated first (requesters: published, theirs)."""
    stmt = select(Article).order_by(Article.updated_at.desc(), Article.id.desc()).limit(limit)
    if isinstance(viewer, Requester):
        stmt = stmt.where(Article.state == "published", Article.visibility == "requesters")
    else:
        permissions.require_reader(viewer)
    return list(session.scalars(stmt))
