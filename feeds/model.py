"""The data that moves between the pipeline's stages: frozen dataclasses, no I/O."""

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
    # (see writer.FeedDocument); empty when there are none yet.
    atom: bytes = b""
    rss: bytes = b""


@dataclass
class Report:
    """What a build did, for the one-line summary and the exit code."""

    posts_read: int = 0
    posts_ignored: int = 0  # unpublished or future posts, left out on purpose
    feeds_written: int = 0
    feeds_unchanged: int = 0
    feeds_removed: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def posts_skipped(self) -> int:
        return len(self.errors)
