"""Markdown to HTML, as Jekyll would render a post body. No business logic."""

from functools import cache

from markdown_it import MarkdownIt


@cache
def _markdown() -> MarkdownIt:
    # CommonMark with raw HTML passed through: scraped bodies are mostly HTML blocks,
    # with Markdown blockquotes, autolinks and links around them.
    return MarkdownIt("commonmark", {"html": True})


def render_markdown(body: str) -> str:
    """Render a post body (Markdown mixed with raw HTML) to an HTML fragment."""
    html: str = _markdown().render(body)
    return html
