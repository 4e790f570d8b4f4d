"""out/index.html: the page that shows a person every feed of the site, built from the
feeds' summaries (model.FeedSummary).

Built as a tree by lxml, never as text, so that every title (scraped, and so anything)
is escaped. One static file: an inline stylesheet, no script, nothing fetched from another
host; a `<link rel="alternate">` per feed and format for autodiscovery.
"""

from collections.abc import Sequence

from lxml import etree
from lxml.html import builder as E
from lxml.html import tostring

from feeds.formats import KINDS
from feeds.model import FeedSummary, Site
from feeds.text import field_text as text

# In every page feeds writes: a page at its name (`index_page`, index.html by default)
# without it is another program's, and is never replaced (see incremental.documents.page_docs).
MARK = b'<meta name="generator" content="feeds">'

# What the page says, by the site language's primary subtag; English for any other.
LABELS: dict[str, dict[str, str]] = {
    "en": {
        "feeds": "Feeds",
        "entries": "{n} entries",
        "entry": "{n} entry",
        "updated": "updated",
        "empty": "no entries",
        "url": "feed URL",
        "opml": "Every feed as one OPML list, to import into a feed reader",
        "newest": "Newest entries",
    },
    "zh": {
        "feeds": "订阅源",
        "entries": "{n} 篇",
        "updated": "更新于",
        "empty": "暂无文章",
        "url": "订阅地址",
        "opml": "全部订阅源的 OPML 列表，可导入阅读器",
        "newest": "最新文章",
    },
}

# Readable on a phone and a desktop alike; system fonts only: nothing from another host.
STYLE = """
body{margin:0 auto;max-width:46rem;padding:1rem;font:16px/1.5 system-ui,sans-serif;
color:#1b1b1b;background:#fff}
h1{font-size:1.5rem;margin:.5rem 0}
h2{font-size:1.15rem;margin:0 0 .25rem}
section{border-top:1px solid #ddd;padding:.75rem 0}
.meta{color:#555;margin:0 0 .5rem;font-size:.9rem}
ul{margin:.25rem 0;padding-left:1.2rem}
ul.formats{list-style:none;padding:0}
ul.formats li{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:.3rem 0}
ul.formats a{min-width:5.5rem;font-weight:600}
input{flex:1 1 14rem;min-width:0;font:inherit;font-size:.85rem;padding:.2rem .3rem;
border:1px solid #bbb;border-radius:3px;background:#f6f6f6}
a{color:#0645ad;overflow-wrap:anywhere}
@media (prefers-color-scheme:dark){body{color:#e6e6e6;background:#161616}
section{border-color:#333}.meta{color:#aaa}a{color:#8ab4f8}
input{color:#e6e6e6;background:#222;border-color:#444}}
"""


def render(site: Site, feeds: Sequence[FeedSummary], *, opml: str | None = None) -> bytes:
    """The page's bytes: `feeds` in order (the combined feed first); `opml`: the name of
    the subscription list beside it, linked when given."""
    labels = LABELS.get((site.language or "en").split("-")[0].lower(), LABELS["en"])
    head = E.HEAD(
        E.META(charset="utf-8"),
        E.META(name="viewport", content="width=device-width, initial-scale=1"),
        E.META(name="generator", content="feeds"),
        E.TITLE(f"{text(site.title)} · {labels['feeds']}"),
        E.STYLE(STYLE),
    )
    for feed in feeds:
        for name in feed.files:
            label, media_type = _kind(name)
            head.append(
                E.LINK(
                    rel="alternate",
                    type=media_type,
                    title=f"{text(feed.title)} ({label})",
                    href=feed.url + name,
                )
            )
    body = E.BODY(E.H1(text(site.title)))
    if site.description:
        body.append(E.P(text(site.description)))
    if opml is not None:
        body.append(E.P(E.A(labels["opml"], href=opml, type="text/x-opml")))
    body.extend(_section(feed, labels) for feed in feeds)
    html = E.HTML(head, body)
    if site.language:
        html.set("lang", site.language)
    data: bytes = tostring(
        html, doctype="<!DOCTYPE html>", encoding="utf-8", method="html", pretty_print=True
    )
    return data


def _section(feed: FeedSummary, labels: dict[str, str]) -> etree._Element:
    meta = E.P({"class": "meta"})
    if feed.updated is None:
        meta.text = labels["empty"]
    else:
        count = labels["entry" if feed.entries == 1 and "entry" in labels else "entries"]
        meta.text = count.format(n=feed.entries) + " · " + labels["updated"] + " "
        meta.append(
            E.TIME(feed.updated.strftime("%Y-%m-%d %H:%M"), datetime=feed.updated.isoformat())
        )
    section: etree._Element = E.E.section(E.H2(text(feed.title)), meta)
    if feed.headlines:
        section.append(
            E.UL(
                {"class": "headlines", "aria-label": labels["newest"]},
                *(E.LI(E.A(text(h.title), href=h.link)) for h in feed.headlines),
            )
        )
    formats = E.UL({"class": "formats"})
    for name in feed.files:
        label, media_type = _kind(name)
        formats.append(
            E.LI(
                E.A(label, href=feed.path + name, type=media_type),
                E.INPUT(
                    type="text",
                    readonly="readonly",
                    value=feed.url + name,
                    title=f"{label} {labels['url']}",
                    **{"aria-label": f"{text(feed.title)} {label} {labels['url']}"},
                ),
            )
        )
    section.append(formats)
    return section


def _kind(name: str) -> tuple[str, str]:
    """A file's label and media type, as the registry names them."""
    return KINDS.get(name, (name, "application/octet-stream"))
