"""Which feed files a build writes again: a feed whose fingerprint (its place, title and
entries' digests) matches the published file, still as it was written, is left alone;
the others are planned whole and rendered by their formats."""

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from feeds.formats import FORMATS, Writer, writer
from feeds.incremental.cache import EntryStub
from feeds.incremental.entries import EntryCache, kept_xml
from feeds.incremental.fingerprints import Published, file_intact
from feeds.model import Entry, FeedSummary, Headline, PlannedEntry, PlannedFeed, Post, Site
from feeds.plan.feeds import FeedPlan, Rules, choose, fold, planned_feed, shown_title, title

HEADLINES = 3  # the newest entries the index page names for each feed


@dataclass(frozen=True)
class FeedDoc:
    """One feed file of this build; `data` is None when the published file is current."""

    relpath: str
    fingerprint: str
    data: bytes | None


class FeedFiles:
    """The files of each feed of one build. `reusable`: the files the last build wrote,
    when under the same settings."""

    def __init__(
        self,
        entries: EntryCache,
        rules: Rules,
        out: Path,
        reusable: dict[str, Published],
        plans: Sequence[FeedPlan] = (),
    ) -> None:
        self.entries, self.rules, self.out, self.reusable = entries, rules, out, reusable
        # How many of the build's feeds may hold each post: what the formats made of its
        # entry is dropped after the last (see Writer.forget).
        self.uses = Counter(post.relpath for feed in plans for post in _posts(feed))
        self.writers: dict[str, Writer] = {}  # by format module, made when first needed
        self.summaries: list[FeedSummary] = []  # of each feed `of` gave files, in order
        self.planned: dict[str, tuple[Entry, PlannedEntry]] = {}  # see plan.feeds.planned_feed

    def of(self, feed: FeedPlan) -> Iterator[FeedDoc]:
        yield from self._of(feed)
        done = []
        for post in _posts(feed):
            self.uses[post.relpath] -= 1
            if self.uses[post.relpath] <= 0:
                done.append(post.relpath)
                self.planned.pop(post.relpath, None)
        for made in self.writers.values():
            made.forget(done)

    def _of(self, feed: FeedPlan) -> Iterator[FeedDoc]:
        unchanged = self._unchanged(feed)
        if unchanged is not None:
            yield from unchanged
            return
        entries = self.entries
        entries.load(post for group in feed.first for post in group)
        chosen = choose(feed, entries.best, self.rules.limit)
        if not chosen:
            if not feed.first:
                return  # no post of its own left (its posts' ids are earlier ones'): no feed
            # Every post of the feed failed to render (each is reported): keep what was published.
            kept = []
            for name in self.rules.files:
                relpath = feed.prefix + name
                if self._still_published(relpath):
                    kept.append(name)
                    yield FeedDoc(relpath, self.reusable[relpath].fingerprint, None)
            if kept:  # listed on the pages, without what its entries would say
                posts = [post for group in feed.first for post in group]
                self._summarize(feed, title(feed, posts, self.rules), [], tuple(kept))
            return
        feed_title = title(feed, [e.post for e in chosen], self.rules)
        self._summarize(feed, feed_title, [e.post for e in chosen], self.rules.files)
        content = _content_digest(map(entries.digest, chosen))
        planned: PlannedFeed | None = None  # made once, for the formats that changed
        for module, names in FORMATS.items():
            changed: dict[str, str] = {}
            for name in (name for name in names if name in self.rules.files):
                relpath = feed.prefix + name
                fingerprint = _digest_of((relpath, feed_title, feed.subtitle), content)
                if self._still_published(relpath, fingerprint):
                    yield FeedDoc(relpath, fingerprint, None)
                else:
                    changed[name] = fingerprint
            if not changed:
                continue
            if planned is None:
                planned = planned_feed(
                    feed,
                    feed_title,
                    chosen,
                    self.rules.site,
                    kept_xml,
                    self.rules.files,
                    self.rules.index_page,
                    self.rules.hubs,
                    self.rules.icon,
                    self.rules.logo,
                    self.rules.smart_quotes,
                    self.planned,
                )
            rendered = self._writer(module).render(planned, list(changed))
            for name, fingerprint in changed.items():
                yield FeedDoc(feed.prefix + name, fingerprint, rendered.files[name])
            if rendered.made:
                entries.written(chosen, rendered.made)

    def _writer(self, module: str) -> Writer:
        made = self.writers.get(module)
        if made is None:
            made = self.writers[module] = writer(module, keep=self.entries.keep_xml)
        return made

    def _unchanged(self, feed: FeedPlan) -> list[FeedDoc] | None:
        """Every file of the feed, if they are published as this build would write them:
        told from the stored entries' digests, without reading a body. None if not, or if
        some post of the feed has no stored entry (to render, or failed): then it is
        worked out whole."""
        from feeds.content.cleaning import get_profile  # loaded by now: see EntryCache.prepare

        article_of = get_profile(self.entries.cleaning).article_of
        chosen: list[EntryStub] = []
        for group in feed.first:
            found = [self.entries.stubs.get(post.relpath) for post in group]
            stubs = [stub for stub in found if stub is not None]
            if len(stubs) < len(found):
                return None
            if len(stubs) > 1 and not all(stub.original_url for stub in stubs):
                return None  # told apart by their bodies (see plan.feeds.article): not in stubs
            if len(stubs) == 1:
                chosen.extend(stubs)
                continue
            chosen.extend(fold(stubs, lambda stub: article_of(stub.original_url or "")))
        if not chosen:
            return None
        limit = self.rules.limit
        chosen = chosen[:limit] if limit else chosen
        feed_title = title(feed, [stub.post for stub in chosen], self.rules)
        content = _content_digest(stub.content for stub in chosen)
        docs = []
        for name in self.rules.files:
            relpath = feed.prefix + name
            fingerprint = _digest_of((relpath, feed_title, feed.subtitle), content)
            if not self._still_published(relpath, fingerprint):
                return None
            docs.append(FeedDoc(relpath, fingerprint, None))
        self._summarize(feed, feed_title, [stub.post for stub in chosen], self.rules.files)
        return docs

    def _summarize(
        self, feed: FeedPlan, feed_title: str, posts: list[Post], files: tuple[str, ...]
    ) -> None:
        """What the pages say of the feed: from its entries' front matter, no body."""
        newest = max((p.updated for p in posts), key=lambda d: d.timestamp(), default=None)
        self.summaries.append(
            FeedSummary(
                path=feed.prefix,
                url=f"{self.rules.site.url}/{feed.prefix}",
                title=feed_title,
                entries=len(posts),
                updated=newest,
                headlines=tuple(
                    Headline(shown_title(p.title, self.rules), p.url) for p in posts[:HEADLINES]
                ),
                files=files,
            )
        )

    def _still_published(self, relpath: str, fingerprint: str | None = None) -> bool:
        """Whether the feed file is published as it was written, for this fingerprint if given."""
        known = self.reusable.get(relpath)
        return (
            known is not None
            and fingerprint in (None, known.fingerprint)
            and file_intact(self.out / relpath, known)
        )


def _posts(feed: FeedPlan) -> Iterator[Post]:
    return (post for group in feed.first for post in group)


def _content_digest(digests: Iterable[bytes]) -> bytes:
    """The entries a feed holds, as they would be written: their digests in order."""
    h = hashlib.blake2b(digest_size=16)
    for digest in digests:
        h.update(digest)
    return h.digest()


def _digest_of(place: tuple[str, str, str], content: bytes) -> str:
    """Everything a feed's bytes depend on besides the settings (which the state holds)."""
    return hashlib.blake2b(repr(place).encode() + content, digest_size=16).hexdigest()


def page_docs(
    summaries: Sequence[FeedSummary],
    site: Site,
    opml_file: str,
    page_name: str,
    out: Path,
    reusable: Mapping[str, Published],
    warnings: list[str],
) -> list[FeedDoc]:
    """The site-level pages (formats.index_html and formats.opml) of these feeds: made
    again only when what they show changed (a feed's title, entries, files), else left as
    published. A file at a page's name that feeds did not write (no MARK in it, and not
    as the last build left it) is another program's: never replaced, with a warning."""
    from feeds.formats import index_html, opml

    fingerprint = _digest_of(("pages", opml_file, repr(site)), repr(summaries).encode())
    docs = []
    for name, mark in ((page_name, index_html.MARK), (opml.LIST_NAME, opml.MARK)):
        known = reusable.get(name)
        if not _ours(out / name, mark, known):
            warnings.append(
                f"{out / name}: not a file feeds wrote; not replaced (remove it, or name "
                "another page with `index_page` in the config)"
            )
            # Kept in the state as it is, without a fingerprint: a build runs again once
            # it is gone, and writes feeds' own.
            docs.append(FeedDoc(name, "", None))
        elif (
            known is not None
            and known.fingerprint == fingerprint
            and file_intact(out / name, known)
        ):
            docs.append(FeedDoc(name, fingerprint, None))
        elif name == page_name:
            data = index_html.render(site, summaries, opml=opml.LIST_NAME)
            docs.append(FeedDoc(name, fingerprint, data))
        else:
            docs.append(FeedDoc(name, fingerprint, opml.render(site, summaries, opml_file)))
    return docs


def _ours(path: Path, mark: bytes, known: Published | None) -> bool:
    """Whether feeds may write the page at path: there is none, or it is feeds' own (as
    the last build wrote it, or marked as feeds writes it). Never through a link."""
    if path.is_symlink():
        return False
    if not path.exists() or (known is not None and known.fingerprint and file_intact(path, known)):
        return True
    try:
        with path.open("rb") as fh:
            return mark in fh.read(4096)
    except OSError:
        return False
