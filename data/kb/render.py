"""Article Markdown to HTML that is safe to put in a page: markdown-it (CommonMark, raw HTML switched off,
tables and strikethrough on), then nh3's allow-list cleaning as a second guard (links, images, tables stay;
scripts, event handlers and javascript: URLs go)."""
from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

_MD = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(["table", "strikethrough"])


def to_html(markdown: str | None) -> str:
    return nh3.clean(_MD.render(markdown or ""), link_rel="noopener noreferrer nofollow")
