"""Atom and RSS, from a planned feed: the only module that imports feedgen.

feedgen's defaults leak the clock and reverse the order, so every field it would default
is set here: `updated` from the newest entry, entries appended newest first, content
`type="html"` (never "CDATA"), and the summary set through `summary()` so that RSS gets
it as `description` and the full body as `content:encoded`, while Atom keeps both.
"""

import mimetypes
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Literal
from urllib.parse import urlsplit

from feedgen.ext.dc import DcEntryExtension, DcExtension
from feedgen.feed import FeedEntry, FeedGenerator
from feedgen.util import formatRFC2822
from lxml import etree

from feeds import __version__
from feeds.formats import KINDS
from feeds.model import Author, PlannedEntry, PlannedFeed, Rendered
from feeds.text import field_text

Format = Literal["atom", "rss"]
FORMATS: tuple[Format, ...] = ("atom", "rss")
FILES: dict[Format, str] = {"atom": "atom.xml", "rss": "rss.xml"}  # see formats.FORMATS
GENERATOR_URI = "https://pypi.org/project/feeds/"
ATOM_NS = "http://www.w3.org/2005/Atom"
MEDIA_NS = "http://search.yahoo.com/mrss/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"


class Writer:
    """Atom and RSS for one build: feedgen's entries are made once a build for every feed
    of that build a post is in (see FeedDocument, `shared`)."""

    def __init__(self, *, keep: bool = False) -> None:
        self.keep = keep
        self.shared: dict[str, FeedEntry] = {}
        self.fields: dict[str, tuple[PlannedEntry, Fields | None]] = {}
        self.pieces: Pieces = {}

    def render(self, feed: PlannedFeed, files: Sequence[str]) -> Rendered:
        document = FeedDocument(
            feed, keep=self.keep, shared=self.shared, fields=self.fields, pieces=self.pieces
        )
        formats = {name: fmt for fmt, name in FILES.items()}
        written = {name: document.xml(formats[name]) for name in files}
        return Rendered(written, document.made())

    def forget(self, relpaths: Iterable[str]) -> None:
        """Drop what was made of these posts' entries: no feed of this build holds them now."""
        for relpath in relpaths:
            for made in (self.shared, self.fields, self.pieces):
                made.pop(relpath, None)


class FeedDocument:
    """One feed's channel and entries, written as Atom, RSS or both.

    The channel is feedgen's; each entry's `<entry>` and `<item>` are the elements feedgen
    makes, made here with lxml directly (feedgen's own for the edge cases, see
    _direct_element), or read back from the XML kept with the entry by an earlier build
    (PlannedEntry.kept): a rebuild after new posts regenerates the feeds they land in, each
    mostly of entries it wrote before. Either is written once a build (`pieces`, see
    _piece) and its bytes put into every feed that holds it. `keep`: the XML made
    here is serialized too, for `made()`, so that the cache can keep it. `shared`: feedgen's
    entries by post (the edge cases), made once a build for every feed a post is in.
    """

    def __init__(
        self,
        feed: PlannedFeed,
        *,
        keep: bool = False,
        shared: dict[str, FeedEntry] | None = None,
        fields: dict[str, tuple[PlannedEntry, "Fields | None"]] | None = None,
        pieces: "Pieces | None" = None,
    ) -> None:
        self.feed, self.entries, self.keep = feed, feed.entries, keep
        self.shared = {} if shared is None else shared
        # Each entry's fields as both formats write them, by post: made once a build for
        # every feed it is in (plan.feeds.planned_feed plans a post's entry once).
        self.fields = {} if fields is None else fields
        # Each entry's bytes as a document of the same root writes them, by post and root:
        # made once a build for every feed it is in (see _piece).
        self.pieces = {} if pieces is None else pieces
        self.subtitle = feed.subtitle or feed.title  # RSS needs a description
        self.fresh: set[int] = set()  # the entries made here, not read back
        self.xml_made: dict[Format, dict[int, bytes]] = {"atom": {}, "rss": {}}
        fg = self.fg = FeedGenerator()
        # Registered, not loaded by name: load_extension looks for a module of the entry
        # extension first, which feedgen does not have, on disk, for every entry.
        fg.register_extension("dc", DcExtension, DcEntryExtension, atom=False, rss=True)
        fg.title(field_text(feed.title))
        fg.author(_author_dict(feed.author))
        if feed.language:
            fg.language(feed.language)
        fg.generator("feeds", version=__version__, uri=GENERATOR_URI)
        fg.updated(feed.updated)

    def xml(self, fmt: Format) -> bytes:
        """The document in one format, served from the feed's URL and the format's file."""
        self_url = self.feed.url + FILES[fmt]
        fg = self.fg
        fg.id(self_url)
        # One value feedgen writes twice: Atom's subtitle is text, RSS's description HTML.
        if fmt == "rss":
            fg.description(field_text(self.subtitle, "html"))
        else:
            fg.subtitle(field_text(self.subtitle))
        # WebSub: a subscriber finds the hubs beside the self link, the topic it names.
        links = [{"href": hub, "rel": "hub"} for hub in self.feed.hubs] + self._siblings(fmt)
        # RSS takes the channel link from the last link: the site, not the feed. feedgen
        # writes only the self link of the others into RSS: the rest are added below.
        fg.link(
            [
                {"href": self_url, "rel": "self", "type": _media_type(fmt)},
                *(links if fmt == "atom" else ()),
                {"href": self.feed.home, "rel": "alternate", "type": "text/html"},
            ],
            replace=True,
        )
        if fmt == "rss":
            root, document = fg._create_rss(extensions=True)
            parent = root.find("channel")
            self_link = parent.find(f"{{{ATOM_NS}}}link")
            for link in reversed(links):
                self_link.addnext(etree.Element(f"{{{ATOM_NS}}}link", link))
        else:
            root, document = fg._create_atom(extensions=True)
            parent = root
        self._add_images(parent, fmt)
        if fmt == "rss":
            for element in _rss_plain_text(root):
                _as_character_references(element)
        # The document without its entries, then each entry's bytes where lxml writes
        # them, before the end tags: an entry is written the same in every document of
        # that root (its namespaces, its depth), so it is written once a build, not once a
        # feed, and no feed's tree of every entry is built.
        channel = bytes(
            etree.tostring(document, pretty_print=True, encoding="UTF-8", xml_declaration=True)
        )
        end = _END[fmt]
        if not channel.endswith(end):
            raise ValueError(f"{self.feed.url}{FILES[fmt]}: lxml wrote no {end!r} at the end")
        context = _context(root, fmt)
        pieces = (self._piece(i, fmt, context) for i in range(len(self.entries)))
        return b"".join((channel[: -len(end)], *pieces, end))

    def _piece(self, i: int, fmt: Format, context: "Context") -> bytes:
        """The i-th entry as a document of this root writes it: made, or read back from
        the XML kept with it, then written in a document of that root alone, and cut out."""
        entry = self.entries[i]
        known = self.pieces.get(entry.relpath)
        if known is None or known[0] is not entry:
            known = self.pieces[entry.relpath] = (entry, {})
        piece = known[1].get(context)
        if piece is None:
            element = _read_back(entry.kept.get(FILES[fmt], b""))
            if element is None:
                element = self._element(i, fmt)
            piece = known[1][context] = _written_alone(element, context)
        return piece

    def _add_images(self, parent: etree._Element, fmt: Format) -> None:
        """The site's icon and logo: Atom's own elements; RSS has one image, the logo
        if there is one, with the title and link RSS requires. Not feedgen's: its logo
        is RSS's image too, without them."""
        feed = self.feed
        if fmt == "atom":
            for name, url in (("icon", feed.icon), ("logo", feed.logo)):
                if url:
                    etree.SubElement(parent, name).text = url  # feedgen: no namespace
            return
        url = feed.logo or feed.icon
        if url:
            image = etree.SubElement(parent, "image")
            for name, text in (
                ("url", url),
                ("title", field_text(feed.title)),
                ("link", feed.home),
            ):
                etree.SubElement(image, name).text = text

    def _siblings(self, fmt: Format) -> list[dict[str, str]]:
        """Links to the feed's files in the other formats switched on, each by its media
        type (Atom allows one alternate link per type), and to the page listing every
        feed: `related`, as the site's home page is the feed's one text/html alternate."""
        own = FILES[fmt]
        links = [
            {"href": self.feed.url + name, "rel": "alternate", "type": KINDS[name][1]}
            for name in self.feed.files
            if name != own
        ]
        links.append({"href": self.feed.index, "rel": "related", "type": "text/html"})
        return links

    def made(self) -> dict[int, dict[str, bytes]]:
        """With `keep`, the XML of the entries made here, both formats, by their place."""
        if not self.keep:
            return {}
        made = {}
        for i in sorted(self.fresh):
            for fmt in FORMATS:
                if i not in self.xml_made[fmt]:  # a format this document was not asked for
                    self._element(i, fmt)
            made[i] = {FILES[fmt]: self.xml_made[fmt][i] for fmt in FORMATS}
        return made

    def _element(self, i: int, fmt: Format) -> etree._Element:
        """The i-th entry's element in one format, as feedgen makes it."""
        entry = self.entries[i]
        self.fresh.add(i)
        known = self.fields.get(entry.relpath)
        if known is None or known[0] is not entry:
            known = self.fields[entry.relpath] = (entry, _fields(entry))
        element = _direct_of(entry, fmt, known[1])
        if element is None:
            fe = self.shared.get(entry.relpath)
            if fe is None:
                fe = self.shared[entry.relpath] = FeedEntry()
                fe.register_extension("dc", DcEntryExtension, atom=False, rss=True)
                _add_entry(fe, entry)
            element = fe.rss_entry() if fmt == "rss" else fe.atom_entry()
        if fmt == "rss":
            _add_enclosure(element, entry.image)
        else:
            _fix_atom_links(element, entry)
            _add_thumbnail(element, entry.image)
            if entry.language:  # the post's own, as jekyll-feed writes it
                element.set(XML_LANG, entry.language)
        if self.keep:
            self.xml_made[fmt][i] = _fragment(element)
        return element


# A document's root, as its entries are written in it: its format (RSS puts them in a
# channel, Atom in the root), the root's tag and the namespaces it declares.
Context = tuple[Format, str, tuple[tuple[str | None, str], ...]]
# Each entry's bytes by post, with the PlannedEntry they were made of, by document root.
Pieces = dict[str, tuple[PlannedEntry, dict[Context, bytes]]]
# What lxml writes after a document's entries.
_END: dict[Format, bytes] = {"atom": b"</feed>\n", "rss": b"  </channel>\n</rss>\n"}


def _context(root: etree._Element, fmt: Format) -> Context:
    return fmt, root.tag, tuple(root.nsmap.items())


def _written_alone(element: etree._Element, context: Context) -> bytes:
    """The element's bytes in a pretty-printed document of that root: written in a root
    of the same tag and namespaces holding it alone (in a channel for RSS), and cut out
    between the start tags and the end tags. An item read back declares the content and
    dc namespaces itself: put in the channel, lxml has it use the root's declarations
    (tests/test_writer.py). In RSS, its plain text fields are written as references."""
    in_channel = context[0] == "rss"
    root, parent = _alone(context)
    parent.append(element)
    try:
        if in_channel:
            for field in element.iterchildren(*_RSS_ITEM_TEXT):
                _as_character_references(field)
        whole = bytes(etree.tostring(root, pretty_print=True, encoding="UTF-8"))
    finally:
        parent.remove(element)
    start = whole.index(b">\n", whole.index(b"<channel>") if in_channel else 0) + 2
    return whole[start : -len(_END[context[0]])]


@cache
def _alone(context: Context) -> tuple[etree._Element, etree._Element]:
    """An empty root of that context, and where its entries go: one a process, as making
    them took a fifth of what writing an entry costs."""
    fmt, tag, namespaces = context
    nsmap = dict(namespaces)  # None: the default namespace, which lxml's stubs leave out
    root = etree.Element(tag, nsmap=nsmap)  # type: ignore[arg-type]
    return root, etree.SubElement(root, "channel") if fmt == "rss" else root


# Kept entries are at most 8 MiB of HTML (entries.MAX_ENTRY_BYTES): within libxml2's limits.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


# RSS elements that hold plain text. Readers differ on whether they are HTML: the RSS
# profile's advice (and the W3C validator's warning) is to write `&`, `<` and `>` there as
# hexadecimal character references, the form the widest number of readers show as text.
_RSS_CHANNEL_TEXT = ("title",)
_RSS_ITEM_TEXT = (
    "title",
    "category",
    "author",
    "source",
    "{http://purl.org/dc/elements/1.1/}creator",
)


def _rss_plain_text(root: etree._Element) -> list[etree._Element]:
    """channel/title and channel/image/title (each item's title, category, author, source
    and dc:creator: see _written_alone)."""
    found: list[etree._Element] = []
    for channel in root.iterchildren("channel"):
        found.extend(channel.iterchildren(*_RSS_CHANNEL_TEXT))
        for image in channel.iterchildren("image"):
            found.extend(image.iterchildren("title"))
    return found


_REFERENCED = {"&": "#x26", "<": "#x3C", ">": "#x3E"}


def _as_character_references(element: etree._Element) -> None:
    """Write the element's text with `&`, `<` and `>` as character references: the same
    characters to an XML parser, split into text and lxml's reference nodes."""
    text = element.text or ""
    if not any(c in text for c in _REFERENCED):
        return
    element.text = None
    last: etree._Element | None = None
    start = 0
    for i, c in enumerate(text):
        if c in _REFERENCED:
            if last is None:
                element.text = text[start:i]
            else:
                last.tail = text[start:i]
            last = etree.Entity(_REFERENCED[c])
            element.append(last)
            start = i + 1
    assert last is not None
    last.tail = text[start:]


def _fragment(element: etree._Element) -> bytes:
    """The element as XML to keep, or b"" (not kept) if some element in it has empty text:
    feedgen's `<content:encoded></content:encoded>` would be read back as an empty element
    and written `<content:encoded/>`, bytes a cold build does not write."""
    if any(node.text == "" for node in element.iter()):
        return b""
    return bytes(etree.tostring(element, encoding="UTF-8", xml_declaration=False))


def _read_back(xml: bytes) -> etree._Element | None:
    """An element an earlier build kept; None when there is none, or it does not parse
    (a damaged cache): then it is made again."""
    if not xml:
        return None
    try:
        return etree.fromstring(xml, _PARSER)
    except etree.XMLSyntaxError:
        return None


def _add_entry(fe: FeedEntry, entry: PlannedEntry) -> None:
    fe.id(entry.id)
    fe.title(field_text(entry.title))
    fe.link(href=entry.link, rel="alternate", type="text/html")
    fe.published(entry.published)
    fe.updated(entry.updated)
    for author in entry.authors:
        fe.author(_author_dict(author))  # RSS writes <author> only with an e-mail address
        if not author.email:
            fe.dc.dc_creator(field_text(author.name))
    if entry.categories:  # at once: feedgen's category() copies every category it has on each call
        fe.category([{"term": field_text(term)} for term in entry.categories])
    summary = entry.summary
    # feedgen writes one summary as Atom's <summary> (text) and RSS's <description>, which
    # readers render as HTML: the description is set apart first (it sets the Atom
    # content too, which content() then replaces), and summary() leaves it alone.
    if not entry.excerpt_only:
        fe.description(field_text(summary, "html"))
        fe.content(entry.html, type="html")
    else:  # excerpt only: the summary, and no content
        fe.description(field_text(summary, "html"), isSummary=True)
    fe.summary(field_text(summary))
    if entry.original_url:
        outlet = entry.outlet or _host(entry.original_url)
        fe.source(url=entry.original_url, title=field_text(outlet))


DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"


# What both formats write of an entry: its title, summary, authors, categories and RSS's
# pubDate, each as the field holds it.
Fields = tuple[str, str, list[dict[str, str]], list[str], str]


def _direct_element(entry: PlannedEntry, fmt: Format) -> etree._Element | None:
    """The element feedgen's FeedEntry makes of the entry (as _add_entry fills it), made
    with lxml directly; None for an entry with an empty id, link, title, summary, body,
    author name or category, where feedgen's own rules decide (tests/test_writer.py
    compares the two)."""
    return _direct_of(entry, fmt, _fields(entry))


def _fields(entry: PlannedEntry) -> Fields | None:
    """The entry's fields, or None for an entry that _direct_element leaves to feedgen."""
    title, summary = field_text(entry.title), field_text(entry.summary)
    authors = [_author_dict(author) for author in entry.authors]
    terms = [field_text(term) for term in entry.categories]
    if not (entry.id and entry.link and title and summary and entry.html) or not all(terms):
        return None
    if not all(author["name"] for author in authors):
        return None
    return title, summary, authors, terms, formatRFC2822(entry.published)


def _direct_of(entry: PlannedEntry, fmt: Format, fields: Fields | None) -> etree._Element | None:
    if fields is None:
        return None
    return _direct_rss(entry, *fields) if fmt == "rss" else _direct_atom(entry, *fields)


def _direct_atom(
    entry: PlannedEntry,
    title: str,
    summary: str,
    authors: list[dict[str, str]],
    terms: list[str],
    pub_date: str,
) -> etree._Element:
    element = etree.Element("entry")
    sub = etree.SubElement
    sub(element, "id").text = entry.id
    sub(element, "title").text = title
    sub(element, "updated").text = entry.updated.isoformat()
    for author in authors:
        person = sub(element, "author")
        for key in ("name", "email", "uri"):
            if author.get(key):
                sub(person, key).text = author[key]
    if not entry.excerpt_only:
        sub(element, "content", type="html").text = entry.html
    sub(element, "link", href=entry.link)  # feedgen writes only the href
    sub(element, "summary").text = summary
    for term in terms:
        sub(element, "category", term=term)
    sub(element, "published").text = entry.published.isoformat()
    return element


def _direct_rss(
    entry: PlannedEntry,
    title: str,
    summary: str,
    authors: list[dict[str, str]],
    terms: list[str],
    pub_date: str,
) -> etree._Element:
    element = etree.Element("item")
    sub = etree.SubElement
    sub(element, "title").text = title
    sub(element, "link").text = entry.link
    if entry.excerpt_only:  # feedgen's summary() then replaces the description: as text
        sub(element, "description").text = summary
    else:
        sub(element, "description").text = field_text(entry.summary, "html")
        sub(element, f"{{{CONTENT_NS}}}encoded").text = entry.html
    for author in authors:
        if author.get("email"):
            sub(element, "author").text = f"{author['email']} ({author['name']})"
    sub(element, "guid", isPermaLink="false").text = entry.id
    for term in terms:
        sub(element, "category").text = term
    sub(element, "pubDate").text = pub_date
    if entry.original_url:
        outlet = entry.outlet or _host(entry.original_url)
        sub(element, "source", url=entry.original_url).text = field_text(outlet)
    for author in authors:
        if "email" not in author:
            sub(element, DC_CREATOR).text = author["name"]
    return element


def _add_thumbnail(element: etree._Element, image: str | None) -> None:
    """jekyll-feed's `<media:thumbnail url=…/>` for the post's image, declaring its
    namespace itself, as jekyll-feed does: a feed without images declares none."""
    if image:
        etree.SubElement(element, f"{{{MEDIA_NS}}}thumbnail", url=image, nsmap={"media": MEDIA_NS})


def _add_enclosure(element: etree._Element, image: str | None) -> None:
    """RSS's `<enclosure>` for the post's image. Its size is not known without fetching
    it: 0, as the RSS profile advises then. Its type is the file name's; an image whose
    name tells none gets no enclosure (RSS requires a type), only Atom's thumbnail."""
    kind = mimetypes.guess_type(urlsplit(image).path)[0] if image else None
    if image and kind and kind.startswith("image/"):
        etree.SubElement(element, "enclosure", url=image, length="0", type=kind)


def _author_dict(author: Author) -> dict[str, str]:
    result = {"name": field_text(author.name)}
    if author.email:
        result["email"] = field_text(author.email)
    if author.uri:
        result["uri"] = field_text(author.uri)
    return result


def _media_type(fmt: Format) -> str:
    return "application/atom+xml" if fmt == "atom" else "application/rss+xml"


def _host(url: str) -> str:
    return urlsplit(url).hostname or url


def _fix_atom_links(element: etree._Element, entry: PlannedEntry) -> None:
    """Give the entry's link its rel and type, add `rel="via"` for the original article,
    and drop the atom:source feedgen makes of the source.

    feedgen 1.0.0 drops every attribute of an entry's links but href (a shadowed loop
    variable in `atom_entry`), which would turn a via link into a second alternate one.
    """
    # feedgen names its Atom elements without the namespace (it sets `xmlns` as an
    # attribute of the feed); "{*}" finds them either way, and the via link takes its
    # sibling's name.
    alternate = element.find("{*}link")
    if alternate is None:
        raise ValueError(f"{entry.relpath}: feedgen wrote no link")
    alternate.attrib.update({"rel": "alternate", "type": "text/html"})
    # feedgen writes RSS's <source url> as an atom:source holding only a title and a link,
    # which the W3C validator warns on (no id, no updated): attribution in Atom is the via
    # link and the credit line in the content.
    for source in element.findall("{*}source"):
        element.remove(source)
    if entry.original_url:
        via = etree.Element(alternate.tag, rel="via", type="text/html", href=entry.original_url)
        alternate.addnext(via)
