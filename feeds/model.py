"""The data that moves between the pipeline's stages: frozen dataclasses, no I/O. No
business logic."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Author:
    name: str
    email: str | None = None
    uri: str | None = None


@dataclass(frozen=True)
class Site:
    """Facts about the site the feeds belong to."""

    title: str
    url: str  # absolute, without a trailing slash (base url included)
    description: str
    language: str | None
    timezone: str
    author: Author | None
    permalink: str  # a Jekyll permalink template: /:categories/:year/:title:output_ext
    # _config.yml's front matter `defaults:` for posts: (scope path, type, values as JSON)
    defaults: tuple[tuple[str, str, str], ...] = ()
    # _data/authors.yml: the author a post's `author: key` names, as jekyll-feed looks it up
    authors: tuple[tuple[str, Author], ...] = ()
    excerpt_only: bool = False  # `feed: excerpt_only:`: entries carry the summary alone
    excerpt_separator: str | None = None  # what ends a post's excerpt, its summary


@dataclass(frozen=True)
class Post:
    """A post's front matter, resolved; the body is read again only when it is published."""

    relpath: str  # path relative to the source folder, with forward slashes
    id: str
    title: str
    published: datetime  # aware, in the post's own offset
    updated: datetime  # aware
    url: str  # absolute permalink
    categories: tuple[str, ...]
    tags: tuple[str, ...]
    author: Author | None = None
    summary: str | None = None  # from front matter description/excerpt, plain text
    source_name: str | None = None
    source_url: str | None = None
    markdown: bool = True  # False for .html posts: the body is HTML already
    image: str | None = None  # `image:`, absolute: a thumbnail, an enclosure
    excerpt_only: bool = False  # the post's `feed: excerpt_only:`, else the site's
    excerpt_separator: str | None = None  # the post's, else the site's
    lang: str | None = None  # its own `lang:` (a BCP 47 tag), when it differs from the site's


# A Post's fields, in order: what a scan sends and stores, without a Post object for each
# of 100,000 files.
PostFields = tuple[
    str,
    str,
    str,
    datetime,
    datetime,
    str,
    tuple[str, ...],
    tuple[str, ...],
    Author | None,
    str | None,
    str | None,
    str | None,
    bool,
    str | None,
    bool,
    str | None,
    str | None,
]


@dataclass(frozen=True)
class Entry:
    """A post ready to be written into a feed: its cleaned body and attribution."""

    post: Post
    html: str
    summary: str
    outlet: str | None
    original_url: str | None
    # Its Atom <entry> and RSS <item> as an earlier build wrote them, kept in the cache
    # (see formats.atom_rss.FeedDocument); empty when there are none yet.
    atom: bytes = b""
    rss: bytes = b""
    # The files its Liquid read, as feeds.files.Stamp: (path in the source, size, mtime)
    inputs: tuple[tuple[str, int, int], ...] = ()


@dataclass(frozen=True)
class PlannedEntry:
    """One entry of a planned feed, as every format writes it."""

    relpath: str  # the post's file: names the entry in messages, and within one build
    id: str
    title: str
    published: datetime  # aware
    updated: datetime  # aware
    link: str  # the post's permalink
    authors: tuple[Author, ...]  # the post's author, else the site's; none if neither
    categories: tuple[str, ...]  # the post's categories, then its tags, each once
    html: str  # the cleaned body
    summary: str  # plain text; the title when the post has none
    outlet: str | None  # attribution: the outlet that first published it
    original_url: str | None  # and where
    image: str | None = None  # the post's image, absolute
    excerpt_only: bool = False  # the summary alone, no content (Post.excerpt_only)
    language: str | None = None  # the post's own (Post.lang); None: the feed's
    # What a format made of this entry at an earlier build, by the file it wrote it into
    # (see formats.atom_rss): reused as it is, at a third of the cost of making it again.
    kept: Mapping[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class PlannedFeed:
    """One feed as planning made it: what each format writes into its own file."""

    path: str  # the feed's folder under the output folder: "" or "<slug>/"
    url: str  # where its files are served: the site's URL and `path`
    home: str  # the site's home page
    index: str  # the page that lists every feed (out/index.html)
    files: tuple[str, ...]  # the feed's files, of the formats switched on: its siblings
    title: str
    subtitle: str  # may be empty
    language: str | None
    author: Author  # the site's, else one named after the site
    updated: datetime  # the newest entry's `updated`: never the clock
    entries: tuple[PlannedEntry, ...]  # in order, newest first
    hubs: tuple[str, ...] = ()  # the WebSub hubs it names (rel="hub"): the config's
    icon: str | None = None  # absolute URLs of the site's small icon and its wide logo
    logo: str | None = None


@dataclass(frozen=True)
class Rendered:
    """What a format made of a planned feed: the bytes of each file asked for, and, when
    asked to keep them, each entry's own XML that it made anew, by the entry's place."""

    files: Mapping[str, bytes]
    made: Mapping[int, Mapping[str, bytes]]


@dataclass(frozen=True)
class Headline:
    title: str
    link: str  # the post's permalink


@dataclass(frozen=True)
class FeedSummary:
    """One feed as the site-level pages list it (formats.index_html, formats.opml): made
    from the entries' front matter alone, so a feed left unchanged has one too."""

    path: str  # the feed's folder under the output folder: "" or "<slug>/"
    url: str  # where its files are served: the site's URL and `path`
    title: str
    entries: int  # how many the feed holds
    updated: datetime | None  # the newest entry's `updated`; None if it holds none
    headlines: tuple[Headline, ...]  # its newest three entries
    files: tuple[str, ...]  # the file names it is published as, e.g. ("atom.xml", "rss.xml")


@dataclass
class Report:
    """What a build did, for the one-line summary and the exit code."""

    posts_read: int = 0
    posts_ignored: int = 0  # unpublished or future posts, left out on purpose
    feeds_written: int = 0
    feeds_unchanged: int = 0
    feeds_removed: int = 0
    written: list[str] = field(default_factory=list)  # the feed files whose bytes changed
    pings_sent: int = 0  # hub pings, one per hub and feed URL
    pings_heard: int = 0  # of them, those a hub answered with a 2xx
    pings_failed: list[str] = field(default_factory=list)  # the stderr lines naming each
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def posts_skipped(self) -> int:
        return len(self.errors)
