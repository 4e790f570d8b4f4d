"""out/feeds.opml: every feed as one OPML 2.0 subscription list, for a reader to import,
built from the feeds' summaries (model.FeedSummary) by lxml.

One outline per feed, in the order given (the combined feed first), each in one format
only, so that an import does not subscribe to a feed twice. `type="rss"` is OPML's
convention for any feed format. No date of the clock: the same feeds give the same bytes.
"""

from collections.abc import Sequence
from email.utils import format_datetime

from lxml import etree

from feeds.model import FeedSummary, Site
from feeds.text import field_text as text

LIST_NAME = "feeds.opml"
# In every list feeds writes: a file at LIST_NAME without it is another program's, and is
# never replaced (see incremental.documents.page_docs).
MARK = b"<!-- written by feeds -->"


def render(site: Site, feeds: Sequence[FeedSummary], file: str) -> bytes:
    """The list's bytes, each feed listed as its `file` (e.g. "atom.xml"), or its first
    file when it is not published as that one."""
    root = etree.Element("opml", version="2.0")
    root.append(etree.Comment(" written by feeds "))
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = text(site.title)
    dates = [feed.updated for feed in feeds if feed.updated is not None]
    if dates:
        newest = max(dates, key=lambda d: d.timestamp())
        etree.SubElement(head, "dateModified").text = format_datetime(newest)
    body = etree.SubElement(root, "body")
    for feed in feeds:
        if not feed.files:
            continue
        name = file if file in feed.files else feed.files[0]
        outline = etree.SubElement(body, "outline")
        outline.attrib.update(
            {
                "text": text(feed.title),
                "title": text(feed.title),
                "type": "rss",
                "xmlUrl": feed.url + name,
                "htmlUrl": site.url + "/",
            }
        )
        if site.language:
            outline.set("language", site.language)
    data: bytes = etree.tostring(root, encoding="UTF-8", xml_declaration=True, pretty_print=True)
    return data
