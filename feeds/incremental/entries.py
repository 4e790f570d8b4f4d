"""The entry cache: each published post's cleaned body, from the cache, or rendered once
per build, and the XML the formats made of it, kept for later builds."""

import json
from collections.abc import Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from feeds.errors import Crashed, PostError
from feeds.files import stamps_hold
from feeds.incremental.cache import Cache, EntryStub, entry_digest
from feeds.model import Entry, Post, Report, Site
from feeds.plan.feeds import article, fold
from feeds.workers import Journal

JOURNAL_NAME = ".feeds-rendering"  # see workers.Journal
# The cache's meta key of the posts whose Liquid ran: relpath -> the stamps of the files
# it read (feeds.files.Stamp), so that they are rendered again when one changes.
LIQUID_KEY = "liquid"
KEPT = ("atom.xml", "rss.xml")  # the files whose XML an entry keeps: Entry.atom, Entry.rss


def retry_crashed(
    cache: Cache,
    source: Path,
    cleaning: str,
    journal: Journal,
    site: Site | None = None,
    *,
    smart_quotes: bool = True,
) -> None:
    """The post a build was rendering when it died, tried alone in a child process: if
    that dies too, the post is recorded as bad (see errors.Crashed); if not, the build
    was killed for some other reason, and the post is rendered as any other."""
    for relpath in journal.stale():
        post = cache.post(relpath)
        if post is None:
            continue
        from feeds.content.entries import make_isolated

        made = make_isolated(post, source, cleaning, site, smart_quotes=smart_quotes)
        if isinstance(made, Crashed):
            cache.mark_bad(relpath, str(made))
    journal.close()


def kept_xml(entry: Entry) -> Mapping[str, bytes]:
    """The XML the formats made of the entry at an earlier build, by file."""
    return {name: xml for name, xml in zip(KEPT, (entry.atom, entry.rss), strict=True) if xml}


def with_xml(chosen: Sequence[Entry], made: Mapping[int, Mapping[str, bytes]]) -> list[Entry]:
    """The entries a format made anew (by their place in `chosen`), with their XML."""
    return [
        replace(chosen[i], atom=xml[KEPT[0]], rss=xml[KEPT[1]]) for i, xml in sorted(made.items())
    ]


class EntryCache:
    """Each published post's cleaned body: from the cache, or rendered once per build.

    The posts the cache lacks are rendered on every core, in the order the feeds ask for
    them; a feed is written as soon as its entries are in, while the rest render.
    """

    def __init__(
        self,
        cache: Cache,
        source: Path,
        cleaning: str,
        report: Report,
        keep_xml: bool,
        held: set[str],
        journal: Journal,
        site: Site | None = None,
        smart_quotes: bool = True,
    ) -> None:
        self.smart_quotes = smart_quotes  # see content.markdown
        self.cache, self.source, self.cleaning, self.report = cache, source, cleaning, report
        self.site = site  # whose variables a post's Liquid reads
        # The posts whose Liquid ran: the files each read (see LIQUID_KEY)
        self.liquid: dict[str, list[list[Any]]] = json.loads(cache.meta(LIQUID_KEY) or "{}")
        self.liquid_was = dict(self.liquid)
        self.held = held  # see plan.updates.Updates
        self.journal = journal  # names the post being rendered here (see retry_crashed)
        self.keep_xml = keep_xml  # see formats.Writer
        self.done: dict[str, Entry | None] = {}
        self.stubs: dict[str, EntryStub] = {}  # the stored entries, without their bodies
        self.digests: dict[str, bytes] = {}  # see digest()
        self.coming: set[str] = set()  # being rendered by `prepare`'s workers
        self.rendering: Generator[Entry | PostError, None, None] | None = None
        self.results: Iterator[tuple[Post, Entry | PostError]] = iter(())

    def prepare(self, posts: Sequence[Post], jobs: int) -> None:
        """Start rendering the posts the feeds will need and the cache lacks."""
        from feeds.content.entries import make_entries

        self._drop_stale_liquid()
        wanted = {p.relpath: p for p in posts if p.relpath not in self.done}
        self.stubs = self.cache.entry_stubs(list(wanted.values()))
        self.digests.update((relpath, stub.content) for relpath, stub in self.stubs.items())
        todo = [post for relpath, post in wanted.items() if relpath not in self.stubs]
        self.coming = {post.relpath for post in todo}
        self.rendering = make_entries(
            todo,
            self.source,
            self.cleaning,
            jobs=jobs,
            journal=self.journal,
            site=self.site,
            smart_quotes=self.smart_quotes,
        )
        self.results = zip(todo, self.rendering, strict=True)

    def finish(self) -> None:
        """Take in the renders nobody asked for yet: they are stored for the next build."""
        for post, made in self.results:
            self._keep(post, made)
        self.coming.clear()
        if self.liquid != self.liquid_was:
            self.cache.set_meta(LIQUID_KEY, json.dumps(self.liquid, sort_keys=True))

    def inputs(self) -> dict[str, list[int]]:
        """Every file the posts' Liquid read, with its stamp: a build is due when one
        changes, though no post did."""
        return {
            relpath: [size, mtime]
            for stamps in self.liquid.values()
            for relpath, size, mtime in stamps
        }

    def _drop_stale_liquid(self) -> None:
        """Forget the entries of posts whose Liquid read a file that changed since."""
        for relpath, stamps in list(self.liquid.items()):
            if not stamps_hold(self.source, stamps):
                self.cache.db.execute("DELETE FROM entries WHERE relpath = ?", (relpath,))
                del self.liquid[relpath]

    def written(self, chosen: Sequence[Entry], made: Mapping[int, Mapping[str, bytes]]) -> None:
        """Keep the XML a format made for a feed's entries (by their place in `chosen`),
        for later builds' feeds. This build's other feeds reuse the bytes the format
        wrote of each entry (formats.atom_rss.Writer), made of this very Entry: it is not
        replaced by one with its XML, which would be an entry to plan and write again."""
        self.cache.store_xml(with_xml(chosen, made))

    def close(self) -> None:
        """Stop the workers, if the build ends before they are done (a failure)."""
        if self.rendering is not None:
            self.rendering.close()
        self.journal.close()

    def get(self, post: Post) -> Entry | None:
        from feeds.content.entries import make_entry

        while post.relpath in self.coming:
            ready, made = next(self.results)
            self._keep(ready, made)
        if post.relpath not in self.done:
            cached = self.cache.entry(post)
            if cached is not None:
                self.done[post.relpath] = cached
            else:
                try:
                    with self.journal.working_on(post.relpath):
                        made = make_entry(
                            post,
                            self.source,
                            self.cleaning,
                            self.site,
                            smart_quotes=self.smart_quotes,
                        )
                    self._keep(post, made)
                except PostError as exc:
                    self._keep(post, exc)
        return self.done[post.relpath]

    def load(self, posts: Iterable[Post]) -> None:
        """Read the stored entries of these posts at once, rather than one by one."""
        wanted = [p for p in posts if p.relpath not in self.done and p.relpath not in self.coming]
        self.done.update(self.cache.entries(wanted))

    def digest(self, entry: Entry) -> bytes:
        """The entry's digest, made once a build: most entries are in two feeds."""
        known = self.digests.get(entry.post.relpath)
        if known is None:
            known = self.digests[entry.post.relpath] = entry_digest(entry)
        return known

    def best(self, copies: list[Post]) -> list[Entry]:
        """Of posts that may be copies of one article, the one with the richest attribution
        for each article they are (see plan.feeds.fold)."""
        made = [e for e in map(self.get, copies) if e is not None]
        if len(made) < 2:
            return made
        from feeds.content.cleaning import get_profile

        article_of = get_profile(self.cleaning).article_of
        return fold(made, lambda entry: article(entry, article_of))

    def _keep(self, post: Post, made: Entry | PostError) -> None:
        self.coming.discard(post.relpath)
        inputs = getattr(made, "inputs", ())  # an Entry's, or a failed Liquid render's
        if inputs:
            self.liquid[post.relpath] = [list(stamp) for stamp in inputs]
        else:
            self.liquid.pop(post.relpath, None)
        if isinstance(made, PostError):
            self.report.errors.append(str(made))
            self.done[post.relpath] = None
            if isinstance(made, Crashed):
                self.cache.mark_bad(post.relpath, str(made))
        else:
            held = post.relpath in self.held
            self.digests[post.relpath] = (
                entry_digest(made) if held else self.cache.store_entry(made)
            )
            self.done[post.relpath] = made
