"""Which `updated` each published post's entry shows (see source.dates.shown_update), and
the warnings for the posts whose `last_modified_at` is not shown."""

from dataclasses import replace
from datetime import datetime

from feeds.errors import PostError
from feeds.model import Post


class Updates:
    """Each published post's `updated` as its entry shows it, and the warnings for the
    posts whose `last_modified_at` is not shown."""

    def __init__(self, now: datetime) -> None:
        # here: a rebuild that finds nothing changed never loads it
        from feeds.source.dates import FUTURE_ALLOWANCE, shown_update

        self.now, self.allowance, self.shown_update = now, FUTURE_ALLOWANCE, shown_update
        self.warnings: dict[str, str] = {}  # by path
        # Posts shown with their date until their update comes: their entries are not
        # kept, as the next builds may show them otherwise, and a build runs then (`due`).
        self.held: set[str] = set()
        self.due: float | None = None

    def settle(self, post: Post) -> Post:
        shown, reason = self.shown_update(post.published, post.updated, self.now)
        if reason is None:
            return post
        error = PostError(post.relpath, "front matter", f"'last_modified_at' {reason}")
        self.warnings[post.relpath] = str(error)
        if post.updated > post.published:
            self.held.add(post.relpath)
            comes = (post.updated - self.allowance).timestamp()
            self.due = comes if self.due is None else min(self.due, comes)
        return replace(post, updated=shown)
